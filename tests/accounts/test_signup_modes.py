"""STREAMAPP_SIGNUP (open, invite, closed) and invitations: single use, expiring, tied to an e-mail."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from accounts import services
from accounts.forms import SignupForm
from accounts.models import Invitation

User = get_user_model()
SIGNUP = {
    "username": "newlistener",
    "email": "new@example.org",
    "password1": "a-long-Secret-42",
    "password2": "a-long-Secret-42",
    "time_zone": "UTC",
}


@pytest.fixture
def invite_mode(settings):
    settings.STREAMAPP_SIGNUP = "invite"


@pytest.mark.django_db
def test_closed_signup_says_so_and_refuses_a_post(settings, client):
    settings.STREAMAPP_SIGNUP = "closed"
    assertContains(client.get("/accounts/signup/"), "Sign-up is closed on this server.")
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 403
    assert not User.objects.exists()


@pytest.mark.django_db
def test_invite_mode_without_an_invitation_shows_no_form(invite_mode, client):
    response = client.get("/accounts/signup/")
    assertContains(response, "open by invitation")
    assert 'name="password1"' not in response.content.decode()
    assert client.post("/accounts/signup/", SIGNUP).status_code == 403
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_invitation_creates_one_account_once(invite_mode, client, staff_user):
    invitation = Invitation.objects.create(created_by=staff_user)
    page = client.get(invitation.get_absolute_url())
    assertContains(page, "You were invited by")
    response = client.post("/accounts/signup/", {**SIGNUP, "invite": invitation.token})
    assertRedirects(response, "/", fetch_redirect_response=False)
    invitation.refresh_from_db()
    assert invitation.used_by == User.objects.get(username="newlistener")
    assert invitation.used_at is not None
    client.logout()
    again = client.post("/accounts/signup/", {**SIGNUP, "username": "second", "invite": invitation.token})
    assert again.status_code == 403
    assertContains(again, "already used or has expired", status_code=403)
    assert not User.objects.filter(username="second").exists()


@pytest.mark.django_db
def test_an_expired_invitation_is_refused(invite_mode, client):
    invitation = Invitation.objects.create(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.post("/accounts/signup/", {**SIGNUP, "invite": invitation.token}).status_code == 403
    assert not User.objects.filter(username="newlistener").exists()


@pytest.mark.django_db
def test_an_invitation_tied_to_an_address_takes_only_that_address(invite_mode, client):
    invitation = Invitation.objects.create(email="friend@example.org")
    page = client.get(invitation.get_absolute_url())
    assert page.context["form"]["email"].value() == "friend@example.org"
    response = client.post("/accounts/signup/", {**SIGNUP, "invite": invitation.token})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["This invitation is for another e-mail address."]
    assert not User.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None
    ok = client.post(
        "/accounts/signup/", {**SIGNUP, "email": "Friend@example.org", "invite": invitation.token}
    )
    assertRedirects(ok, "/", fetch_redirect_response=False)


@pytest.mark.django_db
def test_invitation_tokens_are_long_and_distinct():
    tokens = {Invitation.objects.create().token for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(token) >= 43 for token in tokens)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_ups_with_one_invitation_make_one_account(settings):
    settings.STREAMAPP_SIGNUP = "invite"
    invitation = Invitation.objects.create()
    barrier = threading.Barrier(2)
    results = []

    def sign_up(name):
        try:
            form = SignupForm({**SIGNUP, "username": name, "email": ""})
            assert form.is_valid(), form.errors
            barrier.wait(timeout=10)
            services.signup_create_user(form=form, invitation=invitation)
            results.append("created")
        except services.InvitationUnusable:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["created", "refused"]
    assert User.objects.filter(username__in=["first", "second"]).count() == 1
    invitation.refresh_from_db()
    assert invitation.used_by.username in {"first", "second"}


# ------------------------------------------------------------------------------ admin
@pytest.mark.django_db
def test_staff_create_an_invitation_in_the_admin_and_see_its_link(staff_client, staff_user):
    response = staff_client.post(
        "/admin/accounts/invitation/add/",
        {
            "email": "friend@example.org",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "12:00:00",
        },
        follow=True,
    )
    invitation = Invitation.objects.get()
    assert invitation.created_by == staff_user
    assertContains(response, f"http://testserver/accounts/signup/?invite={invitation.token}")
    listing = staff_client.get("/admin/accounts/invitation/")
    assertContains(listing, invitation.get_absolute_url())
    change = staff_client.get(f"/admin/accounts/invitation/{invitation.pk}/change/")
    assertContains(change, f"http://testserver/accounts/signup/?invite={invitation.token}")


@pytest.mark.django_db
def test_staff_send_invitations_by_email_from_the_admin(staff_client):
    with_address = Invitation.objects.create(email="friend@example.org")
    without = Invitation.objects.create()
    response = staff_client.post(
        "/admin/accounts/invitation/",
        {"action": "send_by_email", "_selected_action": [with_address.pk, without.pk]},
        follow=True,
    )
    assert [message.to for message in mail.outbox] == [["friend@example.org"]]
    assert f"http://testserver/accounts/signup/?invite={with_address.token}" in mail.outbox[0].body
    assertContains(response, "has no e-mail address")


@pytest.mark.django_db
def test_invitations_admin_list_runs_a_constant_number_of_queries(
    staff_client, staff_user, django_assert_max_num_queries
):
    for _ in range(10):
        Invitation.objects.create(created_by=staff_user)
    with django_assert_max_num_queries(12):
        assert staff_client.get("/admin/accounts/invitation/").status_code == 200


@pytest.mark.django_db
def test_the_invited_sign_up_page_runs_a_constant_number_of_queries(
    invite_mode, client, staff_user, django_assert_max_num_queries
):
    invitation = Invitation.objects.create(created_by=staff_user)
    with django_assert_max_num_queries(3):
        assertContains(client.get(invitation.get_absolute_url()), "You were invited by")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "shown", "hidden"),
    [
        ("open", 'href="/accounts/signup/"', "invitation link"),
        ("invite", "Sign up with the invitation link you were sent.", 'href="/accounts/signup/"'),
        ("closed", "Log in to streamapp", "New here?"),
    ],
)
def test_the_log_in_page_offers_sign_up_as_the_mode_allows(settings, client, mode, shown, hidden):
    settings.STREAMAPP_SIGNUP = mode
    response = client.get("/accounts/login/")
    assertContains(response, shown)
    assert hidden not in response.content.decode()
