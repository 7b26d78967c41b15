"""Log-in protection (accounts/lockout.py, django-axes): failures counted per account and per address on
every credential check, a lock a right password does not bypass, a clear message, an entry staff clear."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.STREAMAPP_LOGIN_FAILURE_LIMIT = LIMIT
    settings.STREAMAPP_LOGIN_LOCK_SECONDS = 600


def _log_in(client, password, username="listener", url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_the_web_log_in_locks_and_the_right_password_does_not_bypass_it(client, user):
    for _ in range(LIMIT - 1):
        answer = _log_in(client, "wrong")
        assert answer.status_code == 200 and "Please enter a correct username" in answer.content.decode()
    locked = _log_in(client, "wrong")
    assert locked.context["form"].errors["__all__"] == [
        "Too many failed log-ins: this account or address is locked. Try again in 10 minutes."
    ]
    answer = _log_in(client, "listener-pass-1")
    assert answer.status_code == 200 and "Try again in 10 minutes" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_whatever_the_address(user):
    for number in range(LIMIT):
        _log_in(Client(REMOTE_ADDR=f"203.0.113.{number}"), "wrong")
    answer = _log_in(Client(REMOTE_ADDR="198.51.100.7"), "listener-pass-1")
    assert "Try again in" in answer.content.decode()


def test_an_address_is_locked_whatever_the_account(client, user, other_user):
    for number in range(LIMIT):
        _log_in(client, "wrong", username=f"guess-{number}")
    assert "Try again in" in _log_in(client, "someone-pass-1", username="someone").content.decode()
    # Another address still logs the listener in.
    assert _log_in(Client(REMOTE_ADDR="198.51.100.7"), "listener-pass-1").status_code == 302


def test_the_admin_log_in_locks_too_and_staff_clear_the_entry(client, staff_user, user):
    for _ in range(LIMIT):
        _log_in(client, "wrong", username="staff", url="/admin/login/")
    answer = _log_in(client, "staff-pass-1", username="staff", url="/admin/login/")
    assert "Try again in 10 minutes" in answer.content.decode()

    staff = Client(REMOTE_ADDR="198.51.100.9")
    staff.force_login(staff_user)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "staff" in listing.content.decode()
    for pk in AccessAttempt.objects.values_list("pk", flat=True):
        assert staff.post(f"/admin/axes/accessattempt/{pk}/delete/", {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.exists()
    answer = _log_in(client, "staff-pass-1", username="staff", url="/admin/login/")
    assert answer.status_code == 302, answer.context["form"].errors


def test_a_right_log_in_clears_its_accounts_failures_not_its_addresss(client, user):
    _log_in(client, "wrong", username="someone-else")
    for _ in range(LIMIT - 2):
        _log_in(client, "wrong")
    assert _log_in(client, "listener-pass-1").status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["someone-else"]
    # The address still has its failure: LIMIT - 1 more lock it.
    for number in range(LIMIT - 1):
        _log_in(Client(), "wrong", username=f"guess-{number}")
    assert "Try again in" in _log_in(Client(), "listener-pass-1").content.decode()


def _assert_locked_json(answer):
    assert answer.status_code == 429
    assert answer.json()["detail"].startswith("Too many failed log-ins")
    assert 0 < int(answer["Retry-After"]) <= 600


def test_wrong_api_tokens_lock_the_address(client, user):
    headers = {"Authorization": "Token not-a-real-token"}
    for _ in range(LIMIT):
        assert client.get("/api/v1/tracks/", headers=headers).status_code == 401
    _assert_locked_json(client.get("/api/v1/tracks/", headers=headers))
    _assert_locked_json(client.get("/stream/999999/", headers=headers))
    # Another address is not locked.
    assert Client(REMOTE_ADDR="198.51.100.7").get("/api/v1/tracks/", headers=headers).status_code == 401


def test_wrong_stream_tokens_lock_the_address(client, user):
    headers = {"Authorization": "Token not-a-real-token"}
    for _ in range(LIMIT):
        assert client.get("/stream/999999/", headers=headers).status_code == 401
    _assert_locked_json(client.get("/stream/999999/", headers=headers))


def test_wrong_listenbrainz_tokens_lock_the_address(client, user):
    for _ in range(LIMIT):
        answer = client.get("/1/validate-token", {"token": "not-a-real-token"})
        assert answer.status_code == 200 and answer.json()["valid"] is False
    locked = client.get("/1/validate-token", {"token": "not-a-real-token"})
    assert locked.status_code == 429
    assert locked.json()["error"].startswith("Too many failed log-ins")
    answer = client.post("/1/submit-listens", data="{}", content_type="application/json",
                         headers={"Authorization": "Token not-a-real-token"})  # fmt: skip
    assert answer.status_code == 429
    assert 590 <= int(answer["Retry-After"]) <= 600  # the lock's own end, as the other APIs say


def test_behind_the_proxy_each_client_address_counts_apart(user, settings):
    settings.FORWARDED_ALLOW_IPS = "127.0.0.1"
    guesser = Client(HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")  # the first entry is the client's word
    for number in range(LIMIT):
        _log_in(guesser, "wrong", username=f"guess-{number}")
    assert "Try again in" in _log_in(guesser, "listener-pass-1").content.decode()
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").exists()
    # Another client behind the same proxy is not locked.
    assert _log_in(Client(HTTP_X_FORWARDED_FOR="203.0.113.6"), "listener-pass-1").status_code == 302


def test_an_untrusted_peer_cannot_pick_its_address(user, settings):
    settings.FORWARDED_ALLOW_IPS = "10.0.0.1"
    for number in range(LIMIT):
        _log_in(Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{number}"), "wrong", username=f"guess-{number}")
    assert "Try again in" in _log_in(Client(), "listener-pass-1").content.decode()


def test_a_forwarded_address_that_is_not_one_counts_as_the_proxy(client, user, settings):
    settings.FORWARDED_ALLOW_IPS = "127.0.0.1"
    answer = _log_in(Client(HTTP_X_FORWARDED_FOR="not-an-address"), "wrong")
    assert answer.status_code == 200 and answer.context["form"].errors
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def _age_failures(seconds):
    """Move every recorded failure `seconds` into the past (time passing, without waiting)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def test_the_lock_grows_with_further_failures_and_is_remembered(client, user):
    for _ in range(LIMIT):
        _log_in(client, "wrong")
    assert "Try again in 10 minutes" in _log_in(client, "listener-pass-1").content.decode()
    for _ in range(LIMIT - 1):  # the right password above was one more failure: 2 × LIMIT in all
        _log_in(client, "wrong")
    assert "Try again in 20 minutes" in _log_in(client, "wrong").content.decode()

    _age_failures(21 * 60)  # the 20-minute lock is over: the right password logs in
    assert _log_in(Client(REMOTE_ADDR="198.51.100.7"), "listener-pass-1").status_code == 302


def test_after_a_lock_ends_one_more_failure_locks_again(client, user):
    for _ in range(LIMIT):
        _log_in(client, "wrong", username="guess")  # the address's failures, no account of ours
    _age_failures(11 * 60)  # the 10-minute lock is over
    assert _log_in(client, "listener-pass-1").status_code == 302
    client.logout()
    locked = _log_in(client, "wrong", username="guess-again")
    assert "Try again in 10 minutes" in locked.content.decode()  # one more failure: locked again at once
