"""Passwords: the change on the profile page and the reset by e-mail (Django's views and tokens)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from pytest_django.asserts import assertContains, assertRedirects
from rest_framework.authtoken.models import Token

from accounts import selectors, services
from subsonic.models import SubsonicPassword
from subsonic.services import subsonic_password_get_or_create

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW = "a-brand-New-secret-77"


def other_session(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


# ------------------------------------------------------------------------------ change
def test_profile_shows_the_change_form(user_client):
    response = user_client.get("/accounts/profile/")
    assertContains(response, 'name="old_password"')
    assertContains(response, 'name="revoke"')


def test_change_keeps_this_session_and_leaves_the_tokens_when_not_asked(user_client, user):
    token = services.api_token_get_or_create(user=user)
    subsonic_password_get_or_create(user=user)
    response = user_client.post(
        "/accounts/profile/password/",
        {"old_password": "listener-pass-1", "new_password1": NEW, "new_password2": NEW},
    )
    assertRedirects(response, "/accounts/profile/#password", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert user_client.get("/accounts/profile/").status_code == 200
    assert Token.objects.get(user=user).key == token
    assert SubsonicPassword.objects.filter(user=user).exists()


def test_change_with_revoke_ends_other_sessions_and_deletes_the_tokens(user_client, user):
    services.api_token_get_or_create(user=user)
    subsonic_password_get_or_create(user=user)
    elsewhere = other_session(user)
    user_client.post(
        "/accounts/profile/password/",
        {"old_password": "listener-pass-1", "new_password1": NEW, "new_password2": NEW, "revoke": "on"},
    )
    assert not Token.objects.filter(user=user).exists()
    assert not SubsonicPassword.objects.filter(user=user).exists()
    assert len(selectors.user_sessions(user=user)) == 1  # this one
    assert elsewhere.get("/accounts/profile/").status_code == 302
    assert user_client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}, "old_password", "incorrect"),
        (
            {"old_password": "listener-pass-1", "new_password1": NEW, "new_password2": NEW + "x"},
            "new_password2",
            "didn",
        ),
        (
            {"old_password": "listener-pass-1", "new_password1": "12345678", "new_password2": "12345678"},
            "new_password2",
            "too common",
        ),
        (
            {"old_password": "listener-pass-1", "new_password1": "short", "new_password2": "short"},
            "new_password2",
            "too short",
        ),
    ],
)
def test_change_shows_the_validators_errors_and_changes_nothing(user_client, user, data, field, message):
    response = user_client.post("/accounts/profile/password/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["password_form"].errors[field])
    user.refresh_from_db()
    assert user.check_password("listener-pass-1")


def test_change_needs_a_logged_in_user(client):
    response = client.post("/accounts/profile/password/", {})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# ------------------------------------------------------------------------------ reset
def reset_link(client, email) -> str:
    response = client.post("/accounts/password-reset/", {"email": email})
    assertRedirects(response, "/accounts/password-reset/sent/", fetch_redirect_response=False)
    assert len(mail.outbox) == 1
    return re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)


def test_the_reset_pages_are_open_to_visitors_and_styled(client):
    assertContains(client.get("/accounts/password-reset/"), "Reset your password")
    assertContains(client.get("/accounts/login/"), "/accounts/password-reset/")


def test_reset_by_email_sets_the_password_and_revokes_by_default(client, user):
    user.email = "listener@example.org"
    user.save()
    services.api_token_get_or_create(user=user)
    elsewhere = other_session(user)
    link = reset_link(client, "listener@example.org")
    assert mail.outbox[0].subject == "Reset your streamapp password"
    form_page = client.get(link, follow=True)
    assertContains(form_page, 'name="revoke"')
    assert form_page.context["form"].fields["revoke"].initial is True
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW, "revoke": "on"}
    )
    assertRedirects(response, "/accounts/password-reset/done/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not Token.objects.filter(user=user).exists()
    assert selectors.user_sessions(user=user) == []
    assert elsewhere.get("/accounts/profile/").status_code == 302
    # The link works once.
    assertContains(client.get(link, follow=True), "This link doesn’t work")


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assertRedirects(response, "/accounts/password-reset/sent/", fetch_redirect_response=False)
    assert mail.outbox == []


def test_reset_form_applies_the_validators(client, user):
    user.email = "listener@example.org"
    user.save()
    form_page = client.get(reset_link(client, "listener@example.org"), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 200
    assert "too common" in " ".join(response.context["form"].errors["new_password2"])


# ------------------------------------------------------------------------------ reset, bounded
def test_reset_emails_per_account_are_bounded_silently(settings, user):
    settings.STREAMAPP_PASSWORD_RESET_ACCOUNT_LIMIT = 2
    user.email = "listener@example.org"
    user.save()
    for number in range(4):  # from four addresses: the account's own limit
        response = Client(REMOTE_ADDR=f"203.0.113.{number}").post(
            "/accounts/password-reset/", {"email": "listener@example.org"}
        )
        # The same answer whether an e-mail went or not: the page never tells who has an account.
        assertRedirects(response, "/accounts/password-reset/sent/", fetch_redirect_response=False)
    assert len(mail.outbox) == 2


def test_reset_requests_per_address_are_bounded_with_a_form_error(settings, client, user):
    settings.STREAMAPP_PASSWORD_RESET_ADDRESS_LIMIT = 3
    for number in range(3):
        response = client.post("/accounts/password-reset/", {"email": f"guess-{number}@example.org"})
        assert response.status_code == 302
    refused = client.post("/accounts/password-reset/", {"email": "listener@example.org"})
    assert refused.status_code == 429
    assertContains(refused, "Too many password reset requests from your address", status_code=429)
    assert re.search(r"Try again in [0-9]+ minutes?\.", refused.content.decode())
    assert mail.outbox == []
    # Another address is not bounded by this one's requests.
    answer = Client(REMOTE_ADDR="198.51.100.7").post("/accounts/password-reset/", {"email": "x@example.org"})
    assert answer.status_code == 302
