"""Fixtures of the API tests: clients authenticated by token, and a fresh throttle cache per test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_token_get_or_create


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Start each test with no throttle history (the cache outlives tests, and Redis outlives runs)."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_get_or_create(user=user)}")
    return client


@pytest.fixture
def api(user):
    return token_client(user)


@pytest.fixture
def other_api(other_user):
    return token_client(other_user)


@pytest.fixture
def staff_api(staff_user):
    return token_client(staff_user)


@pytest.fixture
def anonymous():
    return APIClient()
