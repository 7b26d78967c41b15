"""Public datasets for offline evaluation, read from where they are kept (never copied in the repo)."""

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

LASTFM_HETREC_ENV = "STREAMAPP_LASTFM_HETREC_DIR"
LASTFM_HETREC_FILES = ("user_artists.dat", "user_taggedartists.dat", "tags.dat", "artists.dat")


@dataclass
class LastfmHetrec:
    """HetRec 2011 Last.fm 2K: artists are the items.

    ``plays``: user_id, item_id, weight (play count); ``tags``: user_id, item_id, tag (one row per
    tag a user gave an artist); ``artists``: item_id, name.
    """

    plays: pd.DataFrame
    tags: pd.DataFrame
    artists: pd.DataFrame


def lastfm_hetrec_dir(project_dir: Path | str | None = None) -> Path:
    """Return where the Last.fm HetRec files are: $STREAMAPP_LASTFM_HETREC_DIR, else
    ``<project>/../shared/data/lastfm-hetrec2011``."""
    if os.environ.get(LASTFM_HETREC_ENV):
        return Path(os.environ[LASTFM_HETREC_ENV])
    project = Path(project_dir) if project_dir else Path.cwd()
    return project.parent / "shared" / "data" / "lastfm-hetrec2011"


def _read(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    frame = pd.read_csv(
        path, sep="\t", encoding=encoding, encoding_errors="replace", quoting=csv.QUOTE_NONE, dtype=str
    )
    frame.columns = [c.strip() for c in frame.columns]
    return frame.apply(lambda column: column.str.strip())


def load_lastfm_hetrec(path: Path | str) -> LastfmHetrec:
    """Read the dataset from its folder; raise FileNotFoundError naming a missing file."""
    path = Path(path)
    for name in LASTFM_HETREC_FILES:
        if not (path / name).is_file():
            raise FileNotFoundError(
                f"{path / name} not found (set {LASTFM_HETREC_ENV} to the dataset folder)"
            )
    plays = _read(path / "user_artists.dat")
    plays = pd.DataFrame(
        {
            "user_id": plays["userID"].astype("int64"),
            "item_id": plays["artistID"].astype("int64"),
            "weight": plays["weight"].astype("float64"),
        }
    )
    tag_names = _read(path / "tags.dat", encoding="latin-1")
    tag_names = pd.Series(
        tag_names["tagValue"].str.lower().to_numpy(), index=tag_names["tagID"].astype("int64")
    )
    tagged = _read(path / "user_taggedartists.dat")
    tags = pd.DataFrame(
        {
            "user_id": tagged["userID"].astype("int64"),
            "item_id": tagged["artistID"].astype("int64"),
            "tag": tag_names.reindex(tagged["tagID"].astype("int64")).to_numpy(),
        }
    ).dropna()
    artists = _read(path / "artists.dat")
    artists = pd.DataFrame({"item_id": artists["id"].astype("int64"), "name": artists["name"]})
    return LastfmHetrec(plays=plays, tags=tags, artists=artists)
