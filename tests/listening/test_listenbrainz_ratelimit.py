"""The ListenBrainz API's rate limit: a sliding window (never more than the limit in any window-long
span, boundary or not), counted per token user or per anonymous address, with truthful headers.

Time is driven explicitly (rate_limit_hit's `now`); the cache is local memory on SQLite and Redis on
PostgreSQL runs (CACHE_URL).
"""

import pytest

from accounts import services as account_services
from listening.listenbrainz.ratelimit import rate_limit_hit

pytestmark = pytest.mark.django_db

WINDOW_START = 1_700_000_000  # a multiple of the window: a fixed window would restart here
GOOD = {"listen_type": "single", "payload": [{"listened_at": 1_600_000_000, "track_metadata": {
    "artist_name": "Nina Simone", "track_name": "Feeling Good"}}]}


@pytest.fixture
def limit_300_per_10s(settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 300
    settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW = 10


def admitted_times(identity: str, times: list[float]) -> list[float]:
    return [now for now in times if not rate_limit_hit(identity=identity, now=now).exceeded]


def most_in_any_window(times: list[float], window: float = 10) -> int:
    return max(sum(1 for other in times if now - window < other <= now) for now in times)


def test_700_requests_across_a_window_boundary_in_4_seconds_admit_at_most_300(limit_300_per_10s):
    # 700 requests evenly from 2 s before a window boundary to 1.9 s after it (a fixed window admitted
    # 300 + 282 of them).
    times = [WINDOW_START - 2 + 3.9 * n / 700 for n in range(700)]
    admitted = admitted_times("user:1", times)
    assert len(admitted) == 300


def test_no_window_long_span_admits_more_than_the_limit_at_full_speed(limit_300_per_10s):
    # 100 requests a second for 40 s, starting mid-window: every 10-second span holds at most 300
    # admitted requests, and the client still gets close to 300 per 10 s.
    times = [WINDOW_START + 3.37 + n / 100 for n in range(4000)]
    admitted = admitted_times("user:1", times)
    assert most_in_any_window(admitted) <= 300
    assert len(admitted) >= 4 * 300 * 10 / 11 - 1


def test_a_refused_request_takes_nothing_and_reset_in_says_when_room_frees(settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 2
    settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW = 10
    now = WINDOW_START + 0.5
    assert [rate_limit_hit(identity="user:1", now=now).used for _ in range(2)] == [1, 2]
    refused = [rate_limit_hit(identity="user:1", now=now + 5) for _ in range(50)]
    assert all(hit.exceeded for hit in refused)
    headers = refused[-1].headers()
    assert headers["X-RateLimit-Remaining"] == "0"
    reset_in = int(headers["X-RateLimit-Reset-In"])
    assert int(headers["X-RateLimit-Reset"]) == WINDOW_START + 11
    # Just before the reset the two requests are still counted; at it they are gone (the 50 refused
    # requests were never counted).
    assert rate_limit_hit(identity="user:1", now=now + 5 + reset_in - 0.6).exceeded
    again = rate_limit_hit(identity="user:1", now=now + 5 + reset_in)
    assert (again.exceeded, again.headers()["X-RateLimit-Remaining"]) == (False, "1")


def test_anonymous_requests_from_an_address_do_not_use_a_token_users_allowance(client, user, settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 3
    settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW = 60
    token = account_services.api_token_get_or_create(user=user)
    anonymous = [client.get("/1/validate-token", {"token": ""}).status_code for _ in range(5)]
    assert anonymous == [400, 400, 400, 429, 429]
    headers = {"Authorization": f"Token {token}"}
    submitted = client.post("/1/submit-listens", GOOD, content_type="application/json", headers=headers)
    assert submitted.status_code == 200
    assert submitted["X-RateLimit-Remaining"] == "2"
    # and the user's requests leave the address's allowance alone (another address is fresh).
    for _ in range(2):
        client.get("/1/validate-token", headers={"Authorization": f"Token {token}"})
    other_address = client.get("/1/validate-token", {"token": ""}, REMOTE_ADDR="10.0.0.9")
    assert other_address["X-RateLimit-Remaining"] == "2"


def test_invented_tokens_count_against_the_address(client, settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 3
    settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW = 60
    answers = [
        client.get("/1/validate-token", headers={"Authorization": f"Token invented-{n}"}).status_code
        for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_a_logged_in_listener_is_counted_as_themselves_not_as_their_address(client, user, settings):
    settings.STREAMAPP_LISTENBRAINZ_RATE_LIMIT = 2
    settings.STREAMAPP_LISTENBRAINZ_RATE_WINDOW = 60
    assert [client.get("/1/validate-token").status_code for _ in range(3)] == [400, 400, 429]
    client.force_login(user)
    answer = client.get(f"/1/user/{user.username}/listens")
    assert (answer.status_code, answer["X-RateLimit-Remaining"]) == (200, "1")
