"""The web player's account defaults: quality, volume normalisation and crossfade, edited on the profile
and handed to the player on #player (docs/player.md)."""

import pytest
from pytest_django.asserts import assertContains

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def profile_data(**changes):
    data = {
        "email": "",
        "time_zone": "UTC",
        "stream_quality": "auto",
        "loudness_target": "normal",
        "crossfade_seconds": "0",
    }
    data.update(changes)
    return data


def test_a_new_account_plays_automatic_quality_at_normal_loudness_without_crossfade(user):
    assert (user.stream_quality, user.loudness_target, user.crossfade_seconds) == ("auto", "normal", 0)


def test_the_profile_saves_the_playback_defaults_and_the_player_reads_them(user_client, user):
    response = user_client.post(
        PROFILE, profile_data(stream_quality="low", loudness_target="quiet", crossfade_seconds="6")
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.stream_quality, user.loudness_target, user.crossfade_seconds) == ("low", "quiet", 6)
    page = user_client.get("/")
    assertContains(page, 'data-quality="low" data-loudness="quiet"')
    assertContains(page, 'data-crossfade="6"')


def test_the_player_menu_lists_every_choice_with_the_targets_levels(user_client):
    page = user_client.get("/")
    for value in ("auto", "low", "normal", "high", "original"):
        assertContains(page, f'<option value="{value}">', count=1)
    assertContains(page, 'value="off" data-lufs=""')
    assertContains(page, 'value="quiet" data-lufs="-23"')
    assertContains(page, 'value="normal" data-lufs="-14"')
    assertContains(page, 'value="loud" data-lufs="-11"')
    assertContains(page, '<option value="12">12 s</option>', html=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stream_quality", "ultra", "Select a valid choice. ultra is not one of the available choices."),
        ("loudness_target", "-14", "Select a valid choice. -14 is not one of the available choices."),
        ("crossfade_seconds", "13", "Ensure this value is less than or equal to 12."),
        ("crossfade_seconds", "-1", "Ensure this value is greater than or equal to 0."),
        ("crossfade_seconds", "two", "Enter a whole number."),
    ],
)
def test_the_profile_refuses_a_bad_playback_default_naming_it(user_client, user, field, value, message):
    response = user_client.post(PROFILE, profile_data(**{field: value}))
    assert response.status_code == 200
    assertContains(response, f'id="id_{field}_error"')
    assertContains(response, message)
    user.refresh_from_db()
    assert (user.stream_quality, user.loudness_target, user.crossfade_seconds) == ("auto", "normal", 0)


def test_a_changed_default_shows_at_once_although_the_user_is_kept_in_the_cache(user_client, user):
    assertContains(user_client.get("/"), 'data-quality="auto"')
    user_client.post(PROFILE, profile_data(stream_quality="original"))
    assertContains(user_client.get("/"), 'data-quality="original"')
