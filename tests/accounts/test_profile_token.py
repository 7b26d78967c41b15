"""The profile's scrobbling section: the API token, how to use it, and making a new one."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from rest_framework.authtoken.models import Token

from accounts import services

pytestmark = pytest.mark.django_db


def test_profile_shows_the_token_and_how_to_point_a_scrobbler_here(user_client, user):
    response = user_client.get("/accounts/profile/")
    token = Token.objects.get(user=user).key
    assertContains(response, f'value="{token}"')
    assertContains(response, "set a ListenBrainz scrobbler’s server to <code>http://testserver/</code>")
    assertContains(response, 'action="/accounts/profile/api-token/"')


def test_profile_shows_the_same_token_each_time(user_client, user):
    token = services.api_token_get_or_create(user=user)
    assertContains(user_client.get("/accounts/profile/"), token)
    assertContains(user_client.get("/accounts/profile/"), token)
    assert Token.objects.filter(user=user).count() == 1


def test_regenerate_replaces_the_token(user_client, user):
    old = services.api_token_get_or_create(user=user)
    response = user_client.post("/accounts/profile/api-token/")
    assertRedirects(response, "/accounts/profile/#api-token", fetch_redirect_response=False)
    new = Token.objects.get(user=user).key
    assert new != old
    page = user_client.get("/accounts/profile/")
    assertContains(page, new)
    assertNotContains(page, old)
    assertContains(page, "Your new API token is below: the old one no longer works.")


def test_regenerate_needs_a_post(user_client, user):
    old = services.api_token_get_or_create(user=user)
    assert user_client.get("/accounts/profile/api-token/").status_code == 405
    assert Token.objects.get(user=user).key == old


def test_regenerate_needs_a_logged_in_user(client, user):
    old = services.api_token_get_or_create(user=user)
    response = client.post("/accounts/profile/api-token/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Token.objects.get(user=user).key == old


def test_a_user_sees_only_their_own_token(user_client, other_user):
    theirs = services.api_token_get_or_create(user=other_user)
    assertNotContains(user_client.get("/accounts/profile/"), theirs)
