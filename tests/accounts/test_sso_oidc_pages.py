"""OpenID Connect's pages without a provider: off by default, the button, and clear refusals."""

import socket

import pytest

from accounts.sso import available_username


def _closed_port_url() -> str:
    """An address where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/openid-configuration"


@pytest.fixture
def oidc_on(settings):
    settings.OIDC_RP_CLIENT_ID = "streamapp"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.STREAMAPP_OIDC_DISCOVERY_URL = _closed_port_url()
    settings.STREAMAPP_OIDC_PROVIDER_NAME = "Authentik"
    settings.OIDC_TIMEOUT = 2
    return settings


@pytest.mark.django_db
def test_off_by_default_no_button_and_no_pages(client):
    assert "Log in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/sso/oidc/start/").status_code == 404
    assert client.get("/accounts/sso/oidc/callback/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_the_log_in_page_offers_the_provider(oidc_on, client):
    page = client.get("/accounts/login/?next=/library/").content.decode()
    assert 'href="/accounts/sso/oidc/start/?next=/library/">Log in with Authentik</a>' in page


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_clear_page_not_an_error(oidc_on, client):
    answer = client.get("/accounts/sso/oidc/start/")
    assert answer.status_code == 503
    assert "be reached just now" in answer.content.decode()


@pytest.mark.django_db
def test_a_provider_error_is_a_clear_page(oidc_on, client):
    answer = client.get("/accounts/sso/oidc/callback/?error=access_denied&state=x")
    assert answer.status_code == 403
    assert "could not be verified" in answer.content.decode()


@pytest.mark.django_db
def test_a_password_log_in_with_a_code_in_its_address_is_not_single_sign_on(oidc_on, client, user):
    answer = client.post(
        "/accounts/login/?code=stolen&state=x", {"username": "listener", "password": "wrong-password"}
    )
    assert answer.status_code == 200 and "_auth_user_id" not in client.session
    answer = client.post(
        "/accounts/login/?code=stolen&state=x", {"username": "listener", "password": "listener-pass-1"}
    )
    assert answer.status_code == 302 and client.session["_auth_user_backend"].endswith("CachedModelBackend")


@pytest.mark.django_db
def test_new_user_names_are_valid_and_unique(django_user_model):
    django_user_model.objects.create_user("Alice")
    django_user_model.objects.create_user("alice-2")
    assert available_username("alice") == "alice-3"
    assert available_username("bob smith!") == "bobsmith"
    assert available_username("  ") == "user"


def test_the_settings_checks_name_missing_endpoints_and_secret(settings):
    from accounts.sso.checks import sso_settings_check

    assert sso_settings_check() == []
    settings.OIDC_RP_CLIENT_ID = "streamapp"
    assert [problem.id for problem in sso_settings_check()] == ["accounts.E103", "accounts.E104"]
