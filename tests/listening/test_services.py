"""Play reports: the listen rule, idempotency, out-of-order reports, quality figures, now playing."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from listening import services
from listening.models import Listen, NowPlaying, Play
from tests.catalog.factories import make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def track():
    return make_track(duration_ms=200_000)


def report(user, track, event, played_ms=0, play_id=None, **extra):
    return services.play_report(
        user=user, play_id=play_id or PLAY_ID, track=track, event=event, played_ms=played_ms, **extra
    )


PLAY_ID = uuid.UUID("11111111-2222-3333-4444-555555555555")


def test_no_listen_before_the_threshold(user, track):
    report(user, track, "start")
    report(user, track, "progress", played_ms=99_999)
    assert Listen.objects.count() == 0
    assert Play.objects.get().ms_played == 99_999


def test_listen_recorded_when_the_threshold_is_passed_with_the_start_time(user, track):
    started = timezone.now() - dt.timedelta(minutes=2)
    report(user, track, "start", started_at=started, context_type="album", context_id=str(track.album_id))
    report(user, track, "progress", played_ms=100_000, started_at=started)
    listen = Listen.objects.get()
    assert listen.track == track
    assert listen.listened_at == started
    assert listen.ms_played == 100_000
    assert listen.source == "web"
    assert (listen.context_type, listen.context_id) == ("album", str(track.album_id))
    assert (listen.artist_name, listen.track_name) == (track.artist.name, track.title)


def test_repeated_reports_give_one_listen(user, track):
    for _ in range(3):
        report(user, track, "progress", played_ms=150_000)
        report(user, track, "end", played_ms=200_000)
    assert Play.objects.count() == 1
    assert Listen.objects.count() == 1
    assert Listen.objects.get().ms_played == 200_000


def test_out_of_order_reports_keep_the_maximum_and_one_listen(user, track):
    report(user, track, "end", played_ms=180_000)
    report(user, track, "progress", played_ms=20_000)
    report(user, track, "start")
    play = Play.objects.get()
    assert play.ms_played == 180_000
    assert play.skipped is False
    assert Listen.objects.count() == 1


def test_an_end_report_alone_still_records_the_listen(user, track):
    report(user, track, "end", played_ms=200_000)
    assert Listen.objects.count() == 1


def test_a_skip_before_the_rule_is_kept_as_a_skipped_play_without_listen(user, track):
    report(user, track, "start")
    report(user, track, "skip", played_ms=12_000)
    play = Play.objects.get()
    assert play.skipped is True
    assert play.ended_at is not None
    assert Listen.objects.count() == 0


def test_seeking_forward_does_not_count_as_played_time(user, track):
    # The player reports the time actually played; a seek to 190 s after 10 s of play is 10 s.
    report(user, track, "seek", played_ms=10_000)
    report(user, track, "end", played_ms=20_000)
    assert Listen.objects.count() == 0


def test_thirty_second_track_is_never_a_listen(user):
    short = make_track(duration_ms=30_000)
    report(user, short, "end", played_ms=30_000)
    assert Listen.objects.count() == 0
    assert Play.objects.get().skipped is True


def test_four_minute_cap_on_a_long_track(user):
    long_track = make_track(duration_ms=20 * 60_000)
    report(user, long_track, "progress", played_ms=239_999)
    assert Listen.objects.count() == 0
    report(user, long_track, "progress", played_ms=240_000)
    assert Listen.objects.count() == 1


def test_two_plays_of_the_same_track_are_two_listens(user, track):
    report(user, track, "end", played_ms=200_000, play_id=uuid.uuid4())
    report(user, track, "end", played_ms=200_000, play_id=uuid.uuid4())
    assert Listen.objects.count() == 2


def test_a_play_id_reported_for_another_track_is_refused(user, track):
    report(user, track, "start")
    with pytest.raises(ValidationError) as error:
        report(user, make_track(), "progress", played_ms=1)
    assert "track_id" in error.value.message_dict


def test_unknown_event_is_refused(user, track):
    with pytest.raises(ValidationError) as error:
        report(user, track, "rewind")
    assert "event" in error.value.message_dict
    assert Play.objects.count() == 0


def test_quality_figures_are_cumulative_and_idempotent(user, track):
    report(user, track, "first_audio", time_to_first_audio_ms=340)
    report(user, track, "stall", stall_count=1, stall_ms=800)
    report(user, track, "stall", stall_count=2, stall_ms=1500)
    report(user, track, "stall", stall_count=1, stall_ms=800)  # a late duplicate
    report(user, track, "error", error_count=1, error="MEDIA_ERR_NETWORK")
    play = Play.objects.get()
    assert (play.time_to_first_audio_ms, play.stall_count, play.stall_ms) == (340, 2, 1500)
    assert (play.error_count, play.last_error) == (1, "MEDIA_ERR_NETWORK")


def test_an_untrusted_client_clock_falls_back_to_the_server_time(user, track):
    report(user, track, "end", played_ms=200_000, started_at=timezone.now() - dt.timedelta(days=400))
    assert timezone.now() - Listen.objects.get().listened_at < dt.timedelta(minutes=5)


def test_now_playing_is_set_while_playing_and_cleared_at_the_end(user, track):
    report(user, track, "start")
    assert NowPlaying.objects.get(user=user).track == track
    report(user, track, "end", played_ms=200_000)
    assert not NowPlaying.objects.filter(user=user).exists()
