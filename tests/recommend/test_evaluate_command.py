"""manage.py evaluate_recommender on a small synthetic history, on a tiny Last.fm-shaped folder,
and with nothing to evaluate."""

import datetime as dt
import io
import uuid

import pytest
from django.core.management import CommandError, call_command

from listening.models import Listen, Play
from tests.catalog.factories import make_album, make_artist, make_genre, make_track

START = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
MODELS = ["popularity", "itemknn", "rp3beta", "ease", "als", "content", "hybrid"]


@pytest.fixture
def history(django_user_model):
    """Two taste groups; each listener plays their genre's tracks in their own order over 12 days
    (skipping now and then), so the held-out days bring tracks new to them. One listener's history
    is imported listens only (no plays)."""
    tracks = {}
    for genre_name in ("Rock", "Jazz"):
        genre = make_genre(genre_name)
        tracks[genre_name] = [
            make_track(f"{genre_name} {a}.{n}", album=album, genres=[genre], duration_ms=180_000)
            for a in range(3)
            for album in [make_album(f"{genre_name} album {a}", artist=make_artist(f"{genre_name} band {a}"))]
            for n in range(4)
        ]
    for number in range(16):
        listener = django_user_model.objects.create_user(username=f"fan{number}", password="x")
        pool = tracks["Rock" if number % 2 else "Jazz"]
        order = pool[number % 5 :] + pool[: number % 5]
        for day, track in enumerate(order[:10]):
            for repeat in range(2):
                when = START + dt.timedelta(days=day, minutes=4 * repeat)
                skipped = (day + repeat + number) % 7 == 0
                ms_played = 15_000 if skipped else 180_000
                if number == 15:
                    Listen.objects.create(
                        user=listener,
                        track=track,
                        listened_at=when,
                        ms_played=ms_played,
                        dedupe_key=f"{day}{repeat}",
                    )
                    continue
                play = Play.objects.create(
                    user=listener,
                    track=track,
                    play_id=uuid.uuid4(),
                    started_at=when,
                    ms_played=ms_played,
                    ended_at=when + dt.timedelta(milliseconds=ms_played),
                    skipped=skipped,
                )
                if not skipped:
                    Listen.objects.create(
                        user=listener,
                        track=track,
                        listened_at=when,
                        ms_played=ms_played,
                        play=play,
                        dedupe_key=str(play.play_id),
                    )


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command("evaluate_recommender", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_the_command_prints_one_row_per_model_and_a_summary(history):
    lines = run()
    assert lines[0].startswith("streamapp: 16 listeners, 24 tracks")
    header = lines[1].split()
    assert header[:6] == ["model", "HR@10", "NDCG@10", "Recall@10", "Recall@50", "Prec@10"]
    assert "coverage" in header and "ILD" in header
    rows = {line.split()[0]: line.split() for line in lines[3 : 3 + len(MODELS)]}
    assert list(rows) == MODELS
    for cells in rows.values():
        assert all(0.0 <= float(cell) <= 1.0 for cell in cells[1:8])
    # the listeners stay in their genre: the collaborative models beat popularity
    assert float(rows["ease"][2]) > float(rows["popularity"][2])
    assert lines[-1].startswith("best: ") and "listeners evaluated" in lines[-1]


@pytest.mark.django_db
def test_the_command_runs_a_subset_of_models_as_a_markdown_table(history):
    lines = run("--models", "popularity,itemknn", "--markdown")
    assert lines[1].startswith("| model | HR@10 | NDCG@10 |")
    assert [line.split("|")[1].strip() for line in lines[3:5]] == ["popularity", "itemknn"]


@pytest.mark.django_db
def test_without_listens_the_command_fails_with_one_readable_line():
    with pytest.raises(CommandError, match=r"^no listens: run manage.py seed_demo first$"):
        run()


@pytest.mark.django_db
def test_an_unknown_model_is_refused():
    with pytest.raises(CommandError, match="unknown model"):
        run("--models", "popularity,svd")


def _write(path, name, header, rows, encoding="utf-8"):
    lines = ["\t".join(header)] + ["\t".join(str(value) for value in row) for row in rows]
    (path / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


@pytest.fixture
def lastfm_dir(tmp_path):
    plays, tagged = [], []
    for user in range(1, 41):
        group = range(1, 11) if user % 2 else range(11, 21)
        for artist in group:
            # under 10 plays a pair: one listen each on the site, so each listener's most recent plays
            # (the selection's held-out 10%) include an artist they had not played before
            plays.append((user, artist, 1 + (user * artist) % 9))
            tagged.append((user, artist, 1 if user % 2 else 2, 1, 4, 2009))
    _write(tmp_path, "user_artists.dat", ["userID", "artistID", "weight"], plays)
    _write(
        tmp_path, "user_taggedartists.dat", ["userID", "artistID", "tagID", "day", "month", "year"], tagged
    )
    _write(tmp_path, "tags.dat", ["tagID", "tagValue"], [(1, "métal"), (2, "jazz")], encoding="latin-1")
    _write(
        tmp_path,
        "artists.dat",
        ["id", "name", "url", "pictureURL"],
        [(a, f"A{a}", "", "") for a in range(1, 21)],
    )
    return tmp_path


def test_the_lastfm_dataset_runs_from_a_folder_without_the_database(lastfm_dir):
    lines = run("--dataset", "lastfm-hetrec", "--data-dir", str(lastfm_dir), "--seed", "1")
    assert lines[0].startswith("lastfm-hetrec: 40 users, 20 artists, 400 pairs")
    assert [line.split()[0] for line in lines[3 : 3 + len(MODELS)]] == MODELS
    assert lines[-1].startswith("best: ")


def test_a_missing_lastfm_folder_is_reported(tmp_path):
    with pytest.raises(CommandError, match="user_artists.dat not found"):
        run("--dataset", "lastfm-hetrec", "--data-dir", str(tmp_path))


# -- --end-to-end ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_end_to_end_loads_a_tiny_lastfm_folder_into_a_scratch_database_and_scores_the_api(lastfm_dir):
    from django.db import connection

    from catalog.models import Track

    configured = connection.settings_dict["NAME"]
    lines = run("--end-to-end", "--data-dir", str(lastfm_dir))
    assert connection.settings_dict["NAME"] == configured  # back on the configured database
    assert not Track.objects.filter(title="A1").exists()  # nothing was loaded into it
    assert lines[0].startswith("lastfm-hetrec end to end: 40 users, 20 artists, 400 pairs")
    assert lines[1].split()[:3] == ["model", "HR@10", "NDCG@10"]
    rows = {line.split("  ")[0].strip(): line.split("  ")[1:] for line in lines[3:11]}
    assert list(rows) == [
        "site, night 1 (API top 10)",
        "site, night 2 (API top 10)",
        "site, night 2, as served",
        "popularity",
        "ease (tuned)",
        "als (tuned)",
        "ease (tuned, on the site's listens)",
        "als (tuned, on the site's listens)",
    ]
    ndcg = {name: float([cell for cell in cells if cell.strip()][1]) for name, cells in rows.items()}
    assert 0.0 < ndcg["site, night 2 (API top 10)"] <= 1.0
    # two taste groups: the site beats popularity
    assert ndcg["site, night 2 (API top 10)"] > ndcg["popularity"]
    nights = [line for line in lines if line.startswith("  night ")]
    assert len(nights) == 2 and "started from the previous choice" in nights[1]
    assert lines[-2].startswith("site NDCG@10 ") and "x popularity's" in lines[-2]
    assert lines[-1].startswith("given what the site received: site NDCG@10 ")
    assert "on the site's listens" in lines[-1] and "on the site's listens" not in lines[-2]


def test_end_to_end_refuses_another_dataset():
    with pytest.raises(CommandError, match="--end-to-end measures --dataset lastfm-hetrec"):
        run("--end-to-end", "--dataset", "streamapp")


def test_the_site_information_keeps_the_pairs_and_their_split_with_listens_for_counts(lastfm_dir):
    from recommend.end_to_end import listens_per_pair, site_information
    from recommend.engine import benchmark, datasets

    data = datasets.load_lastfm_hetrec(lastfm_dir)
    received = site_information(data)
    assert received.plays[["user_id", "item_id"]].equals(data.plays[["user_id", "item_id"]])
    assert received.plays["weight"].tolist() == listens_per_pair(data.plays["weight"]).tolist()
    exact, as_received = (benchmark.lastfm_hetrec_split(d, seed=3) for d in (data, received))
    assert (exact.test_targets != as_received.test_targets).nnz == 0  # the same held-out pairs
    assert (exact.valid_targets != as_received.valid_targets).nnz == 0


def test_listens_per_pair_are_bounded_and_keep_the_order_of_play_counts():
    from recommend.end_to_end import listens_per_pair

    counts = [1, 5, 9, 10, 99, 100, 352_698, 10**9]
    assert listens_per_pair(counts).tolist() == [1, 1, 1, 2, 2, 3, 6, 6]
