"""Credentials: the Subsonic password by `p` (plain or enc:) or `t` + `s`, the API token as `apiKey`,
throttled failures, refused inactive users; the password page and command."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts import services as account_services
from subsonic import passwords, services
from subsonic.models import SubsonicPassword

from .conftest import PASSWORD, Caller, token_params

pytestmark = pytest.mark.django_db

BASE = {"v": "1.16.1", "c": "tests", "f": "json"}


def call(client, **params) -> dict:
    return Caller(client, {}).json("ping", **{**BASE, **params})


def test_md5_token_of_the_worked_example():
    assert passwords.token("sesame", "c19b2d") == "26719a1196d2a940705a59634eb18eab"


def test_token_auth_with_the_worked_example(client, user):
    # The example's 6-character password, stored as an older client setup might have it (the page asks 8+).
    SubsonicPassword.objects.create(user=user, encrypted=passwords.encrypt("sesame"))
    body = call(client, u="listener", t="26719a1196d2a940705a59634eb18eab", s="c19b2d")
    assert body["status"] == "ok"


def test_plain_and_hex_encoded_passwords(client, subsonic_user):
    assert call(client, u="listener", p=PASSWORD)["status"] == "ok"
    assert call(client, u="listener", p="enc:" + PASSWORD.encode().hex())["status"] == "ok"
    assert call(client, u="listener", p="enc:zz")["error"]["code"] == 10


def test_wrong_password_unknown_user_and_no_subsonic_password_are_40(client, subsonic_user, other_user):
    for params in (
        {"u": "listener", "p": "not-it-at-all"},
        {"u": "nobody", "p": PASSWORD},
        {"u": "listener", "t": "0" * 32, "s": "abc"},
        {"u": "someone", "p": "someone-pass-1"},  # the log-in password is not the Subsonic one
    ):
        assert call(client, **params)["error"] == {"code": 40, "message": "Wrong username or password."}


def test_missing_credentials_and_client_parameters_are_10(client, subsonic_user):
    assert call(client)["error"] == {"code": 10, "message": "Required parameter is missing: u."}
    assert call(client, u="listener")["error"]["message"] == "Required parameter is missing: p, or t and s."
    body = Caller(client, {}).json("ping", u="listener", p=PASSWORD, f="json")
    assert body["error"] == {"code": 10, "message": "Required parameter is missing: v."}


def test_inactive_users_are_refused(client, subsonic_user):
    subsonic_user.is_active = False
    subsonic_user.save()
    assert call(client, u="listener", p=PASSWORD)["error"]["code"] == 40


def test_repeated_failures_are_throttled_even_with_the_right_password(client, subsonic_user, settings):
    settings.STREAMAPP_LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert call(client, u="listener", p="wrong-guess")["error"]["code"] == 40
    error = call(client, **token_params())["error"]
    assert error["code"] == 40 and error["message"].startswith("Too many failed log-ins: ")
    assert "Try again in 15 minutes." in error["message"]


def test_api_key_is_the_listeners_api_token(client, subsonic_user):
    key = account_services.api_token_get_or_create(user=subsonic_user)
    body = Caller(client, {}).json("tokenInfo", apiKey=key, **BASE)
    assert body["tokenInfo"] == {"username": "listener"}
    assert call(client, apiKey="f" * 40)["error"] == {"code": 44, "message": "The API key is not valid."}
    assert call(client, apiKey=key, u="listener")["error"]["code"] == 43


def test_extensions_need_no_credentials(client):
    body = Caller(client, {}).ok("getOpenSubsonicExtensions", f="json")
    names = [extension["name"] for extension in body["openSubsonicExtensions"]]
    assert names == ["formPost", "apiKeyAuthentication", "transcodeOffset"]
    assert body["openSubsonicExtensions"][0]["versions"] == [1]


def test_password_is_encrypted_at_rest_under_the_secret_key(subsonic_user, settings):
    stored = SubsonicPassword.objects.get(user=subsonic_user).encrypted
    assert PASSWORD not in stored
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert passwords.decrypt(stored) is None
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert passwords.decrypt(stored) == PASSWORD


def test_password_page_shows_sets_and_regenerates_the_owners_password(user_client, user):
    response = user_client.get("/subsonic/")
    password = services.subsonic_password_get_or_create(user=user)
    assert response.status_code == 200 and password in response.content.decode()
    response = user_client.post("/subsonic/", {"password": "my own choice"})
    assert response.status_code == 302
    assert services.subsonic_password_get_or_create(user=user) == "my own choice"
    response = user_client.post("/subsonic/", {"password": "short"})
    assert response.status_code == 400
    user_client.post("/subsonic/regenerate/")
    assert services.subsonic_password_get_or_create(user=user) not in ("my own choice", password)


def test_password_page_needs_a_log_in(client, user):
    response = client.get("/subsonic/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_profile_links_to_the_subsonic_page(user_client):
    assert 'href="/subsonic/"' in user_client.get("/accounts/profile/").content.decode()


def test_command_prints_the_password_last_and_sets_one(user, capsys):
    call_command("subsonic_password", "listener")
    first = capsys.readouterr().out.splitlines()[-1]
    assert first == services.subsonic_password_get_or_create(user=user)
    call_command("subsonic_password", "listener", "--set", "chosen-by-ops")
    assert capsys.readouterr().out.splitlines()[-1] == "chosen-by-ops"
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("subsonic_password", "ghost")
    with pytest.raises(CommandError, match="A Subsonic password has 8 to 128 characters."):
        call_command("subsonic_password", "listener", "--set", "tiny")
    assert get_user_model().objects.count() == 1
