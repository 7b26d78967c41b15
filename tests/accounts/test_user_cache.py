"""The logged-in user read from the database on every request (accounts/backends.py): one query, and every
change to the user (a new password, deactivation, staff rights) seen on the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_the_user_costs_one_query_and_a_change_shows_on_the_next_request(client, user):
    client.force_login(user)
    client.get("/bench-free-page-that-404s/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/library/sidebar/").status_code == 200
    assert sum('FROM "accounts_user"' in query["sql"] for query in captured.captured_queries) == 1
    user.first_name = "Ada"
    user.save()
    assert "Ada" in client.get("/").content.decode()


def test_a_deactivated_user_is_logged_out_at_once(client, user):
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/").status_code == 302


def test_a_new_password_ends_other_sessions_at_once(client, user):
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.set_password("a-brand-new-pass-9")
    user.save()
    assert client.get("/").status_code == 302


def test_a_deleted_user_is_logged_out(client, user):
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.delete()
    assert client.get("/").status_code == 302


def test_signing_up_logs_the_new_listener_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "password1": "a-long-pass-phrase-7", "password2": "a-long-pass-phrase-7",
         "time_zone": "UTC"},  # fmt: skip
    )
    assert response.status_code == 302
    assert "newcomer" in client.get("/").content.decode()
