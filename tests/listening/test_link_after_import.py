"""Listens that matched nothing are linked when a library import brings their tracks."""

import io

from django.core.management import call_command

from catalog import services as catalog_services
from catalog.models import Track
from catalog.signals import library_changed
from listening import services
from listening.models import Listen, Source
from tests.catalog.audio_files import write_audio


def submit(user, artist: str, title: str, at: int) -> None:
    services.listens_write(
        user=user,
        listens=[services.ListenRecord(listened_at=at, artist_name=artist, track_name=title)],
        source=Source.API,
    )


def test_import_library_links_the_listens_that_matched_nothing(user, other_user, tmp_path):
    submit(user, "Late Arrival", "First Light", 1_700_000_000)
    submit(other_user, "late arrival", "First Light (feat. Someone)", 1_700_000_100)
    submit(user, "Nobody", "Never Imported", 1_700_000_200)
    assert Listen.objects.filter(track__isnull=True).count() == 3
    write_audio(tmp_path / "music" / "01.mp3", title="First Light", artist="Late Arrival", album="Dawn")

    out = io.StringIO()
    call_command("import_library", str(tmp_path / "music"), "--no-progress", stdout=out)

    track = Track.objects.get(title="First Light")
    assert set(Listen.objects.filter(track=track).values_list("user", flat=True)) == {user.pk, other_user.pk}
    assert Listen.objects.get(track__isnull=True).track_name == "Never Imported"
    assert (
        out.getvalue()
        .strip()
        .endswith(
            "1 added, 0 updated, 0 unchanged, 0 removed, 0 failed; 2 earlier listens linked to the catalog"
        )
    )


def test_an_import_that_adds_nothing_does_not_look_for_listens(user, tmp_path):
    write_audio(tmp_path / "music" / "01.mp3", title="First Light", artist="Late Arrival", album="Dawn")
    catalog_services.library_import(root=tmp_path / "music")
    submit(user, "Nobody", "Never Imported", 1_700_000_200)
    calls = []
    library_changed.connect(lambda **kwargs: calls.append(kwargs), weak=False, dispatch_uid="test-probe")
    try:
        summary = catalog_services.library_import(root=tmp_path / "music")
    finally:
        library_changed.disconnect(dispatch_uid="test-probe")
    assert (summary.unchanged, calls, summary.notes) == (1, [], [])


def test_a_failing_receiver_does_not_fail_the_import(user, tmp_path):
    def broken(**kwargs):
        raise RuntimeError("boom")

    library_changed.connect(broken, weak=False, dispatch_uid="test-broken")
    try:
        write_audio(tmp_path / "music" / "01.mp3", title="First Light", artist="Late Arrival", album="Dawn")
        summary = catalog_services.library_import(root=tmp_path / "music")
    finally:
        library_changed.disconnect(dispatch_uid="test-broken")
    assert summary.added == 1 and Track.objects.count() == 1
