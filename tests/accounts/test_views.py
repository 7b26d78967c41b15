"""Sign-up, log-in, log-out and the profile page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP = {
    "username": "newlistener",
    "email": "new@example.org",
    "password1": "a-long-Secret-42",
    "password2": "a-long-Secret-42",
    "time_zone": "Europe/Berlin",
}


def logged_in_user(client):
    """Return the user the client's session belongs to, or None."""
    response = client.get(reverse("accounts:profile"))
    return response.context["user"] if response.status_code == 200 else None


# ------------------------------------------------------------------------------ sign-up
def test_signup_page_is_open_to_visitors(client):
    response = client.get("/accounts/signup/")
    assertContains(response, "Create your account")
    assertContains(response, 'name="password2"')
    assertContains(response, '<option value="Europe/Berlin">Europe/Berlin</option>', html=True)


def test_signup_creates_a_user_and_logs_them_in(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assertRedirects(response, "/", fetch_redirect_response=False)
    user = User.objects.get(username="newlistener")
    assert user.email == "new@example.org"
    assert user.time_zone == "Europe/Berlin"
    assert user.check_password("a-long-Secret-42")
    assertContains(client.get("/"), "Welcome to streamapp, newlistener!")
    assert logged_in_user(client) == user


def test_signup_continues_to_the_page_asked_for(client):
    response = client.post("/accounts/signup/?next=/genres/", SIGNUP)
    assertRedirects(response, "/genres/", fetch_redirect_response=False)


def test_signup_ignores_a_next_url_on_another_site(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "next": "https://evil.example/"})
    assertRedirects(response, "/", fetch_redirect_response=False)


def test_signup_shows_errors_and_creates_nothing(client, user):
    response = client.post(
        "/accounts/signup/",
        {**SIGNUP, "username": "listener", "password2": "something-else", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assertContains(response, "A user with that username already exists.")
    assertContains(response, "The two password fields didn’t match.")
    assertContains(response, "Select a valid choice.")
    assert not User.objects.filter(email="new@example.org").exists()


def test_signup_sends_a_logged_in_user_home(user_client):
    assertRedirects(user_client.get("/accounts/signup/"), "/", fetch_redirect_response=False)


# ------------------------------------------------------------------------------ log-in, log-out
def test_login_page_is_open_to_visitors(client):
    response = client.get("/accounts/login/")
    assertContains(response, "Log in to streamapp")
    assertContains(response, 'href="/accounts/signup/"')


def test_login_logs_in_and_goes_on_to_next(client, user):
    response = client.post(
        "/accounts/login/?next=/genres/",
        {"username": "listener", "password": "listener-pass-1", "next": "/genres/"},
    )
    assertRedirects(response, "/genres/", fetch_redirect_response=False)
    assert logged_in_user(client) == user


def test_login_with_a_wrong_password_shows_an_error(client, user):
    response = client.post("/accounts/login/", {"username": "listener", "password": "wrong"})
    assert response.status_code == 200
    assertContains(response, "Please enter a correct username and password.")
    assert logged_in_user(client) is None


def test_anonymous_visitor_is_sent_to_log_in_with_next(client):
    for path in ("/", "/albums/1/", "/accounts/profile/"):
        assertRedirects(client.get(path), f"/accounts/login/?next={path}", fetch_redirect_response=False)


def test_logout_needs_a_post_and_logs_out(user_client):
    assert user_client.get("/accounts/logout/").status_code == 405
    response = user_client.post("/accounts/logout/")
    assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
    assert logged_in_user(user_client) is None


# ------------------------------------------------------------------------------ profile
def test_profile_shows_the_account(user_client, user):
    user.email = "me@example.org"
    user.time_zone = "Asia/Tokyo"
    user.save()
    response = user_client.get("/accounts/profile/")
    assertContains(response, "<title>Profile · streamapp</title>")
    assertContains(response, 'value="listener"')
    assertContains(response, 'value="me@example.org"')
    assertContains(response, '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>', html=True)
    assertContains(response, 'action="/accounts/logout/"')


def test_profile_saves_the_time_zone(user_client, user):
    data = {
        "email": "me@example.org",
        "time_zone": "America/New_York",
        "stream_quality": "auto",
        "loudness_target": "normal",
        "crossfade_seconds": "0",
    }
    response = user_client.post("/accounts/profile/", data)
    assertRedirects(response, "/accounts/profile/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.time_zone == "America/New_York"
    assert user.email == "me@example.org"
    assertContains(user_client.get("/accounts/profile/"), "Your profile was saved.")


def test_profile_refuses_an_unknown_time_zone(user_client, user):
    response = user_client.post(
        "/accounts/profile/",
        {"email": "", "time_zone": "Mars/Olympus", "stream_quality": "auto", "loudness_target": "normal",
         "crossfade_seconds": "0"},
    )
    assert response.status_code == 200
    assertContains(response, "Select a valid choice. Mars/Olympus is not one of the available choices.")
    user.refresh_from_db()
    assert user.time_zone == "UTC"


def test_profile_runs_a_constant_number_of_queries(user_client, django_assert_max_num_queries):
    # The first view also creates the API token (a read, an insert and its savepoint).
    with django_assert_max_num_queries(8):
        assert user_client.get("/accounts/profile/").status_code == 200
