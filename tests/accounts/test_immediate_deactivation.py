"""Deactivation and staff changes take effect on the very next request, however the row changed: the
admin, QuerySet.update(), raw SQL, and while the user's session is busy with other requests (the race of
issue 15, where a cached session user was written back after the deactivation cleared it)."""

import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import User


def _refused(answer) -> bool:
    return answer.status_code == 302 and "/login/" in answer["Location"]


@pytest.mark.django_db
def test_a_bulk_update_deactivates_at_once(user_client, user):
    assert user_client.get("/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _refused(user_client.get("/"))


@pytest.mark.django_db
def test_a_raw_sql_update_deactivates_at_once(user_client, user):
    assert user_client.get("/").status_code == 200
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(User._meta.db_table)
        cursor.execute(f"UPDATE {table} SET is_active = %s WHERE id = %s", [False, user.pk])  # noqa: S608
    assert _refused(user_client.get("/"))


@pytest.mark.django_db
def test_losing_staff_rights_by_update_closes_the_admin_at_once(staff_client, staff_user):
    assert staff_client.get("/admin/").status_code == 200
    User.objects.filter(pk=staff_user.pk).update(is_staff=False, is_superuser=False)
    assert _refused(staff_client.get("/admin/"))


@pytest.mark.django_db
def test_deactivating_in_the_admin_logs_the_listener_out(staff_user, user):
    listener = Client()
    listener.force_login(user)
    assert listener.get("/").status_code == 200
    staff = Client()
    staff.force_login(staff_user)
    form = staff.get(f"/admin/accounts/user/{user.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(is_active="", groups=[], user_permissions=[], date_joined_0="2026-01-01",
                date_joined_1="00:00:00", last_login_0="", last_login_1="")  # fmt: skip
    data = {name: value for name, value in data.items() if name not in ("date_joined", "last_login")}
    answer = staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert User.objects.get(pk=user.pk).is_active is False
    assert _refused(listener.get("/"))


def _get(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - the live server
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_a_busy_session_is_refused_from_the_first_request_after_the_deactivation(live_server, user):
    """Two threads keep the listener's session busy while the account is deactivated by update():
    every request that starts after the update has committed is refused, none is served."""
    listener = Client()
    listener.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={listener.cookies[settings.SESSION_COOKIE_NAME].value}"
    url = f"{live_server.url}/library/sidebar/"
    assert _get(url, cookie) == 200
    answers: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_busy():
        for _ in range(200):  # bounded: at most 200 requests per thread
            if stop.is_set():
                return
            began = time.monotonic()
            answers.append((began, _get(url, cookie)))

    threads = [threading.Thread(target=keep_busy) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    User.objects.filter(pk=user.pk).update(is_active=False)
    deactivated_at = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(timeout=20)
    before = [status for began, status in answers if began < deactivated_at]
    after = [status for began, status in answers if began > deactivated_at]
    assert before and after
    assert set(before) <= {200, 302}
    assert set(after) == {302}
    assert _get(url, cookie) == 302
