"""The player in a real browser: it keeps playing across page changes, records listens, resumes the
saved queue, and its queue, menus and playlist editing work with a mouse and a keyboard."""

import time

import pytest
from playwright.sync_api import expect

from listening import services
from listening.models import Listen, Play, PlayerState, Playlist, TrackLike

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIO = "window.streamappPlayer.audio"


def wait_playing(page, after: float = 0.0) -> None:
    """Wait until the audio plays and its clock has passed `after` seconds."""
    page.wait_for_function(f"() => !{AUDIO}.paused && {AUDIO}.currentTime > {after}")


def poll(check, timeout: float = 20.0, message: str = "condition"):
    """Return check()'s first truthy value, trying for `timeout` seconds (the server works on its own)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


def player_title(page) -> str:
    return page.inner_text("#player .player-title").strip()


def test_playback_survives_navigation_and_records_a_listen(user, audio_library, live_server, browser_page):
    page = browser_page
    album, artist, first = audio_library.album, audio_library.artist, audio_library.tracks[0]
    page.goto(live_server.url + album.get_absolute_url())
    page.get_by_role("button", name="Play album Test Album").click()
    wait_playing(page, 0.3)
    assert player_title(page) == "First Light"
    assert page.evaluate("navigator.mediaSession.metadata.title") == "First Light"
    assert page.evaluate("navigator.mediaSession.metadata.album") == "Test Album"

    # A site link swaps the page, not the document: the marker and the audio both survive.
    page.evaluate("window.__doc_marker = 42")
    page.click(f'.page-header .meta a[href="{artist.get_absolute_url()}"]')
    page.wait_for_function("document.title.startsWith('Test Artist')")
    assert page.url == live_server.url + artist.get_absolute_url()
    assert page.evaluate("window.__doc_marker") == 42
    clock = page.evaluate(f"{AUDIO}.currentTime")
    wait_playing(page, clock + 0.3)

    # Back works too, and the album's play button now says that it plays.
    page.go_back()
    page.wait_for_function("document.title.startsWith('Test Album')")
    assert page.evaluate("window.__doc_marker") == 42
    assert page.get_by_role("button", name="Pause album Test Album").is_visible()

    # Past the listen threshold (half of 40 s) sooner: faster playback is media time played.
    page.evaluate(f"{AUDIO}.playbackRate = 16")
    listen = poll(
        lambda: Listen.objects.filter(user=user, track=first, context_type="album").first(),
        message="a listen of the first track",
    )
    assert listen.context_id == str(album.pk)
    assert listen.ms_played >= 20_000
    play = Play.objects.get(pk=listen.play_id)
    assert play.time_to_first_audio_ms is not None
    assert play.stall_count >= 0 and play.error_count == 0
    assert page.evaluate("window.__doc_marker") == 42


def test_the_queue_resumes_after_a_reload_and_on_another_device(
    user, audio_library, live_server, browser_page
):
    page = browser_page
    album, tracks = audio_library.album, audio_library.tracks
    page.goto(live_server.url + album.get_absolute_url())
    page.get_by_role("button", name="Play Second Wind").click()
    wait_playing(page, 0.2)
    assert player_title(page) == "Second Wind"

    # Two forward seeks of 10 s with the keyboard: a seek is not listening time.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_playing(page, 20)
    page.locator("#player .player-toggle").click()
    page.wait_for_function(f"{AUDIO}.paused")
    position = page.evaluate(f"{AUDIO}.currentTime")

    state = poll(
        lambda: PlayerState.objects.filter(user=user, current_index=1, position_ms__gte=19_000).first(),
        message="the saved position",
    )
    assert state.queue == [track.pk for track in tracks]
    assert (state.context_type, state.context_id) == ("album", str(album.pk))
    play = poll(lambda: Play.objects.filter(user=user, track=tracks[1]).first(), message="the play report")
    assert play.ms_played < 8_000, "forward seeks were counted as listening"
    assert not Listen.objects.filter(user=user).exists()

    page.reload()
    page.wait_for_function(
        f"() => document.querySelector('#player .player-title').textContent.trim() === 'Second Wind'"
        f" && {AUDIO}.readyState >= 1 && Math.abs({AUDIO}.currentTime - {position}) < 1.5"
    )
    assert page.evaluate(f"{AUDIO}.paused") is True  # resumed paused: the listener presses play
    assert page.inner_text("#player .player-elapsed") == f"0:{int(state.position_ms / 1000):02d}"
    page.locator("#player .player-toggle").click()
    wait_playing(page, position + 0.3)

    # The same account on another device picks up the same queue at the same place.
    other = page.context.browser.new_page(viewport={"width": 390, "height": 844}, bypass_csp=True)
    other.goto(f"{live_server.url}/accounts/login/")
    other.fill("#id_username", "listener")
    other.fill("#id_password", "listener-pass-1")
    other.click("button[type=submit]")
    other.wait_for_url(f"{live_server.url}/")
    other.wait_for_function(
        "() => document.querySelector('#player .player-title').textContent.trim() === 'Second Wind'"
    )
    assert other.evaluate("window.streamappPlayer.state().queue") == [track.pk for track in tracks]
    other.close()


def test_queue_menus_likes_and_keyboard(user, audio_library, live_server, browser_page):
    page = browser_page
    first, second, third = audio_library.tracks
    page.goto(live_server.url + audio_library.album.get_absolute_url())
    page.get_by_role("button", name="Play First Light").click()
    wait_playing(page)

    page.get_by_role("button", name="More options for Third Rail").click()
    page.get_by_role("menuitem", name="Play next").click()
    page.get_by_role("button", name="Queue", exact=True).click()
    upcoming = page.locator("#queue-panel .queue-next .queue-track")
    # "Play next" inserts once the track's details came from the API: wait for it, don't race it.
    expect(upcoming).to_have_text(["Third Rail", "Second Wind", "Third Rail"])

    page.get_by_role("button", name="Move Second Wind up").click()
    expect(upcoming).to_have_text(["Second Wind", "Third Rail", "Third Rail"])
    page.get_by_role("button", name="Remove Third Rail from the queue").first.click()
    expect(upcoming).to_have_text(["Second Wind", "Third Rail"])

    page.keyboard.press("Shift+ArrowRight")  # next track
    page.wait_for_function(
        "document.querySelector('#player .player-title').textContent.trim() === 'Second Wind'"
    )
    poll(
        lambda: PlayerState.objects.filter(
            user=user, queue=[first.pk, second.pk, third.pk], current_index=1
        ).exists(),
        message="the edited queue on the server",
    )
    skipped = poll(
        lambda: Play.objects.filter(user=user, track=first, skipped=True).first(), message="a skip"
    )
    assert skipped.ended_at is not None

    page.get_by_role("button", name="Clear").click()
    expect(upcoming).to_have_count(0)
    page.get_by_role("button", name="Close the queue").click()

    # Space pauses and resumes when the focus is not on a control; Arrow keys change the volume.
    page.locator("h1").click()
    page.keyboard.press("Space")
    page.wait_for_function(f"{AUDIO}.paused")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(f"{AUDIO}.volume") == pytest.approx(0.95)
    page.keyboard.press("Space")
    wait_playing(page)

    # The like button in the player.
    page.locator("#player .player-like").click()
    poll(lambda: TrackLike.objects.filter(user=user, track=second).exists(), message="the like")
    assert page.locator("#player .player-like").get_attribute("aria-pressed") == "true"
    assert (
        page.locator(f'.track-row[data-track-id="{second.pk}"] .like-button').get_attribute("aria-pressed")
        == "true"
    )


def test_playlist_page_reorders_with_the_menu_and_drag_and_drop_and_plays(
    user, audio_library, live_server, browser_page
):
    page = browser_page
    first, second, third = audio_library.tracks
    playlist = services.playlist_create(owner=user, name="Commute", tracks=[first, second, third])

    def stored_titles():
        return [
            item.track.title for item in playlist.items.select_related("track").order_by("position", "id")
        ]

    page.goto(live_server.url + playlist.get_absolute_url())
    page.get_by_role("button", name="More options for First Light").click()
    page.get_by_role("menuitem", name="Move down").click()
    poll(lambda: stored_titles() == ["Second Wind", "First Light", "Third Rail"], message="the move")
    rows = page.locator("[data-editable-playlist] .track-row .track-title")
    assert rows.all_inner_texts() == ["Second Wind", "First Light", "Third Rail"]

    page.drag_and_drop(
        "[data-editable-playlist] .track-row:nth-child(3)",
        "[data-editable-playlist] .track-row:nth-child(1)",
        target_position={"x": 200, "y": 5},
    )
    poll(lambda: stored_titles() == ["Third Rail", "Second Wind", "First Light"], message="the drop")

    page.get_by_role("button", name="Play playlist Commute").click()
    wait_playing(page)
    assert player_title(page) == "Third Rail"
    poll(
        lambda: Play.objects.filter(
            user=user, track=third, context_type="playlist", context_id=str(playlist.uid)
        ).exists(),
        message="a play in the playlist's context",
    )


def test_a_stale_player_adopts_the_queue_saved_on_another_device(
    user, audio_library, live_server, browser_page
):
    page = browser_page
    first, second, third = audio_library.tracks
    page.goto(live_server.url + audio_library.album.get_absolute_url())
    page.get_by_role("button", name="Play album Test Album").click()
    wait_playing(page)
    poll(lambda: PlayerState.objects.filter(user=user, queue=[first.pk, second.pk, third.pk]).exists())

    # Another device saved a newer queue meanwhile: this one's next save is refused (409) and it
    # takes the newer queue instead of overwriting it.
    state = PlayerState.objects.get(user=user)
    services.player_state_save(
        user=user, queue=[third.pk], current_index=0, position_ms=5_000, base_version=state.version
    )
    page.evaluate("window.streamappPlayer.save()")
    page.wait_for_function(
        "document.querySelector('#player .player-title').textContent.trim() === 'Third Rail'"
    )
    assert page.evaluate("window.streamappPlayer.state().queue") == [third.pk]
    assert page.evaluate(f"{AUDIO}.paused") is True
    assert PlayerState.objects.get(user=user).queue == [third.pk]


def test_a_late_saved_state_does_not_undo_what_the_listener_just_did(
    user, audio_library, live_server, browser_page
):
    """The stored queue arrives after the listener started playing and their first save answered:
    the player must keep its newer version, or a save carrying the old one gets a 409 and the player
    adopts the stored queue, dropping what the listener did meanwhile."""
    page = browser_page
    held_read, held_stale_saves = [], []
    stale_version = []

    def hold(route, request):
        if request.method == "GET":
            response = route.fetch()  # read now (the old version), answered later
            stale_version.append(response.json()["version"])
            held_read.append((route, response))
        elif stale_version and (request.post_data_json or {}).get("version") == stale_version[0]:
            held_stale_saves.append(route)
        else:
            route.continue_()

    def wait_until(found, rounds: int) -> None:
        for _ in range(rounds):  # Playwright runs the route handler while it waits
            if found:
                return
            page.wait_for_timeout(100)

    page.route("**/api/v1/player/state/", hold)
    page.goto(live_server.url + audio_library.album.get_absolute_url())
    wait_until(held_read, 200)
    assert held_read, "the player read its saved state"
    with page.expect_response(lambda r: r.url.endswith("/player/state/") and r.request.method == "PUT"):
        page.get_by_role("button", name="Play First Light").click()
    wait_playing(page)
    route, response = held_read[0]
    route.fulfill(response=response)
    wait_until(held_stale_saves, 10)  # a player that took the old version saves with it at once

    page.get_by_role("button", name="More options for Third Rail").click()
    page.get_by_role("menuitem", name="Play next").click()
    for stale in held_stale_saves:
        stale.continue_()
    page.wait_for_timeout(1500)  # the saves and their answers
    page.get_by_role("button", name="Queue", exact=True).click()
    upcoming = page.locator("#queue-panel .queue-next .queue-track")
    assert upcoming.all_inner_texts() == ["Third Rail", "Second Wind", "Third Rail"]
    first, second, third = audio_library.tracks
    assert PlayerState.objects.get(user=user).queue == [first.pk, third.pk, second.pk, third.pk]


def test_a_long_playlist_reorders_checking_every_page_of_its_entries(
    user, audio_library, live_server, browser_page
):
    # 250 entries: more than the API's first page (50), so the page checks the stored order page by page.
    page = browser_page
    tracks = audio_library.tracks
    playlist = services.playlist_create(owner=user, name="Long", tracks=[tracks[n % 3] for n in range(250)])
    page_url = playlist.get_absolute_url()
    entry_reads, page_reloads = [], []
    page.on("request", lambda request: "/tracks/?" in request.url and entry_reads.append(request.url))

    page.goto(live_server.url + page_url)
    page.on("request", lambda request: request.url.endswith(page_url) and page_reloads.append(request.url))
    rows = page.locator("[data-editable-playlist] .track-row .track-title")
    assert rows.count() == 250
    page.get_by_role("button", name="More options for First Light").first.click()
    page.get_by_role("menuitem", name="Move down").click()
    # Playwright reports requests while it waits in the page, not while the test sleeps.
    page.wait_for_function("() => true")
    for _ in range(100):
        if len(entry_reads) >= 2:
            break
        page.wait_for_timeout(200)
    assert len(entry_reads) == 2, entry_reads
    assert "page_size=200" in entry_reads[0] and "page=2" in entry_reads[1]
    stored = playlist.items.order_by("position", "id").values_list("track__title", flat=True)
    assert list(stored[:3]) == ["Second Wind", "First Light", "Third Rail"]
    page.wait_for_timeout(500)
    assert page_reloads == [], "the page matched the stored order: it is not reloaded"
    assert rows.all_inner_texts()[:3] == ["Second Wind", "First Light", "Third Rail"]

    # Someone else removes an entry far down the list meanwhile: the next move shows the stored playlist.
    services.playlist_remove_item(
        playlist=playlist, actor=user, item_id=playlist.items.order_by("position", "id")[240].pk
    )
    page.get_by_role("button", name="More options for Third Rail").first.click()
    page.get_by_role("menuitem", name="Move up").click()
    expect(rows).to_have_count(249)
    assert page_reloads


def test_add_to_playlist_lists_every_playlist_page_by_page(user, audio_library, live_server, browser_page):
    # 205 playlists: more than the API's largest page (200), so the menu reads two pages.
    page = browser_page
    for n in range(205):
        services.playlist_create(owner=user, name=f"Mix {n:03d}", tracks=[])
    oldest = Playlist.objects.get(name="Mix 000")  # last in the list: most recently changed first

    page.goto(live_server.url + audio_library.album.get_absolute_url())
    page.get_by_role("button", name="More options for First Light").first.click()
    page.get_by_role("menuitem", name="Add to playlist").click()
    expect(page.locator("#action-menu [role=menuitem]", has_text="Mix ")).to_have_count(205)
    page.get_by_role("menuitem", name="Mix 000").click()
    poll(lambda: oldest.items.filter(track=audio_library.tracks[0]).exists(), message="the track added")
