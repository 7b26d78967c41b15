"""API tokens: one per user, regenerable, printed by `manage.py api_token USERNAME`."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from accounts import services

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_get_or_create_returns_the_same_token(user):
    token = services.api_token_get_or_create(user=user)
    assert len(token) == 40
    assert services.api_token_get_or_create(user=user) == token
    assert Token.objects.filter(user=user).count() == 1


def test_regenerate_replaces_the_token(user, client):
    old = services.api_token_get_or_create(user=user)
    new = services.api_token_regenerate(user=user)
    assert new != old
    assert services.api_token_get_or_create(user=user) == new
    assert client.get("/1/validate-token", {"token": old}).json()["valid"] is False
    assert client.get("/1/validate-token", {"token": new}).json()["valid"] is True


def test_regenerate_works_without_a_previous_token(user):
    assert services.api_token_regenerate(user=user) == Token.objects.get(user=user).key


def test_each_user_has_their_own_token(user, other_user):
    assert services.api_token_get_or_create(user=user) != services.api_token_get_or_create(user=other_user)


def test_command_creates_and_prints_the_token_last(user):
    lines = run(user.username)
    assert lines[-1] == Token.objects.get(user=user).key
    assert run(user.username)[-1] == lines[-1]


def test_command_regenerates_on_request(user):
    old = run(user.username)[-1]
    new = run(user.username, "--regenerate")[-1]
    assert new != old
    assert Token.objects.get(user=user).key == new


def test_command_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("ghost")
