"""The admin shows a user's active sessions and ends them (db and cached_db session engines)."""

import pytest
from django.test import Client
from pytest_django.asserts import assertContains

from accounts import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"])
def session_engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_user_page_lists_their_sessions(session_engine, staff_client, user, other_user):
    phone, laptop = logged_in(user), logged_in(user)
    logged_in(other_user)
    sessions = selectors.user_sessions(user=user)
    assert {s.session_key for s in sessions} == {phone.session.session_key, laptop.session.session_key}
    response = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")
    for session in sessions:
        assertContains(response, session.session_key[-6:])


def test_log_out_everywhere_ends_the_selected_users_sessions(session_engine, staff_client, user, other_user):
    phone = logged_in(user)
    neighbour = logged_in(other_user)
    assert phone.get("/accounts/profile/").status_code == 200
    response = staff_client.post(
        "/admin/accounts/user/", {"action": "end_sessions", "_selected_action": [user.pk]}, follow=True
    )
    assertContains(response, "Ended 1 session(s) of 1 user(s).")
    assert selectors.user_sessions(user=user) == []
    assert phone.get("/accounts/profile/").status_code == 302
    assert neighbour.get("/accounts/profile/").status_code == 200


def test_a_user_logged_in_nowhere_says_so(staff_client, user):
    assertContains(staff_client.get(f"/admin/accounts/user/{user.pk}/change/"), "logged in nowhere")
