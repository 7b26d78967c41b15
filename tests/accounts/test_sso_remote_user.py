"""Log-in by a trusted reverse proxy's Remote-User header (accounts/sso/remote_user.py)."""

import pytest

PROFILE = "/accounts/profile/"
PROXY = "10.0.0.5"


@pytest.fixture
def proxy_settings(settings):
    settings.STREAMAPP_REMOTE_USER_HEADER = "Remote-User"
    settings.STREAMAPP_TRUSTED_PROXIES = ["10.0.0.0/29", "::1"]
    settings.STREAMAPP_REMOTE_GROUPS_HEADER = "Remote-Groups"
    settings.STREAMAPP_REMOTE_STAFF_GROUP = "admins"
    settings.STREAMAPP_SIGNUP = "open"
    return settings


def _get(client, *, address=PROXY, **headers):
    return client.get(PROFILE, REMOTE_ADDR=address, headers=headers)


@pytest.mark.django_db
def test_the_header_from_a_trusted_proxy_logs_in_and_creates_the_user(
    proxy_settings, client, django_user_model
):
    answer = _get(client, **{"Remote-User": "carol", "Remote-Groups": "family, admins"})

    assert answer.status_code == 200 and answer.wsgi_request.user.username == "carol"
    carol = django_user_model.objects.get(username="carol")
    assert carol.is_staff and not carol.has_usable_password()
    # The session carries on; the proxy keeps sending the header.
    assert _get(client, **{"Remote-User": "carol"}).status_code == 200


@pytest.mark.django_db
def test_a_spoofed_header_from_another_address_is_ignored(proxy_settings, client, user):
    for address in ("10.0.0.9", "192.0.2.1", "::2", ""):
        answer = _get(client, address=address, **{"Remote-User": user.username, "Remote-Groups": "admins"})
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.django_db
def test_off_by_default_even_from_a_proxy_address(settings, client, user):
    settings.STREAMAPP_TRUSTED_PROXIES = [PROXY]
    assert settings.STREAMAPP_REMOTE_USER_HEADER == ""
    assert _get(client, **{"Remote-User": user.username}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("signup", ["invite", "closed"])
def test_unknown_users_are_not_created_unless_sign_up_is_open(
    proxy_settings, client, user, signup, django_user_model
):
    proxy_settings.STREAMAPP_SIGNUP = signup

    assert _get(client, **{"Remote-User": "stranger"}).status_code == 302
    assert not django_user_model.objects.filter(username="stranger").exists()
    # A known user still logs in; the groups header takes staff away.
    user.is_staff = True
    user.save()
    assert _get(client, **{"Remote-User": user.username, "Remote-Groups": "family"}).status_code == 200
    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.django_db
def test_a_deactivated_user_is_refused(proxy_settings, client, user):
    user.is_active = False
    user.save()
    assert _get(client, **{"Remote-User": user.username}).status_code == 302


@pytest.mark.django_db
def test_the_session_ends_when_the_proxy_stops_sending_the_header(proxy_settings, client, user):
    assert _get(client, **{"Remote-User": user.username}).status_code == 200
    assert _get(client).status_code == 302
    # ... and a session logged in with a password is not the header's to end.
    client.post(
        "/accounts/login/", {"username": "listener", "password": "listener-pass-1"}, REMOTE_ADDR=PROXY
    )
    assert _get(client).status_code == 200
    assert _get(client, address="192.0.2.1").status_code == 200


@pytest.mark.django_db
def test_the_header_switches_a_session_to_the_user_it_names(proxy_settings, client, user, other_user):
    client.force_login(user)
    answer = _get(client, **{"Remote-User": other_user.username})
    assert answer.status_code == 200 and answer.wsgi_request.user == other_user


def test_the_settings_checks_name_a_bad_proxy_and_a_header_without_proxies(settings):
    from accounts.sso.checks import sso_settings_check

    settings.STREAMAPP_REMOTE_USER_HEADER = "Remote-User"
    settings.STREAMAPP_TRUSTED_PROXIES = []
    assert [problem.id for problem in sso_settings_check()] == ["accounts.W102"]
    settings.STREAMAPP_TRUSTED_PROXIES = ["127.0.0.1", "nginx"]
    assert [problem.id for problem in sso_settings_check()] == ["accounts.E101"]
