"""Radio and thumbs-down in a real browser: a Radio button starts an endless queue whose plays are
recorded as radio plays, and "Not for me" takes a recommended track away (with Undo)."""

import pytest

from listening.models import Play
from recommend import selectors
from recommend.models import TrackDislike
from tests.e2e.conftest import audio_library, browser_page  # noqa: F401 (fixtures)
from tests.e2e.test_player import AUDIO, poll, wait_playing
from tests.recommend.reco_data import save_recommendations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_radio_button_queues_the_seed_first_and_plays_are_radio_plays(
    user, audio_library, live_server, browser_page  # noqa: F811
):
    page = browser_page
    first = audio_library.tracks[0]
    page.goto(live_server.url + first.get_absolute_url())
    page.click(".action-bar .radio-start")
    page.wait_for_function("window.streamappPlayer.state().context.type === 'radio'")
    wait_playing(page, 0.2)
    state = page.evaluate("window.streamappPlayer.state()")
    session = state["context"]["id"]
    assert state["queue"][0] == first.pk
    assert sorted(state["queue"]) == sorted(track.pk for track in audio_library.tracks)  # each once

    # Skip to the next track: the player reports the skip in the radio's context.
    page.click("#player .player-next")
    skipped = poll(
        lambda: Play.objects.filter(user=user, track=first, context_type="radio", skipped=True).first(),
        message="the skipped radio play",
    )
    assert skipped.context_id == session
    # Three tracks in the catalog: the session asked for more and was told it has played everything.
    page.wait_for_timeout(500)
    assert len(page.evaluate("window.streamappPlayer.state()")["queue"]) == 3
    assert page.evaluate(f"!{AUDIO}.paused")


def test_not_for_me_removes_a_recommended_track_and_undo_brings_it_back(
    user, audio_library, live_server, browser_page  # noqa: F811
):
    page = browser_page
    track = audio_library.tracks[1]
    save_recommendations(user, [(track, 0.9, "Popular in Ambient", None)])
    page.goto(live_server.url + "/made-for-you/")
    row = page.locator(f'.track-row[data-track-id="{track.pk}"]')
    assert "Popular in Ambient" in row.inner_text()
    row.hover()
    row.locator(".track-more").click()
    page.get_by_role("menuitem", name="Not for me").click()
    page.wait_for_selector(".toast-action")
    assert row.count() == 0
    poll(lambda: TrackDislike.objects.filter(user=user, track=track).exists(), message="the thumbs-down")
    assert track not in selectors.recommended_tracks(user=user)

    page.click(".toast-action")
    page.wait_for_selector(f'.track-row[data-track-id="{track.pk}"]')
    poll(lambda: not TrackDislike.objects.filter(user=user).exists(), message="the undo")
    assert [t.recommendation_rank for t in selectors.recommended_tracks(user=user) if t == track] == [1]
