"""Parsers of listening-history exports (Spotify, ListenBrainz, Last.fm): pure functions, no database.

Each format module has ``parse(path, name)``, yielding one record per row of the export (a listen, a
skip, an ignored row or a problem with its position), and ``check(stream, name)``, a quick look at
the start of a file that says why it is not of that format (or None). Zips are held to
common.ZipLimits (from the settings unless given as ``limits=``). The writes are in
listening.services.history_import.
"""

from . import lastfm, listenbrainz, spotify
from .common import IgnoredRecord, ImportedListen, ImportedSkip, ImportProblem, Record

PARSERS = {"spotify": spotify, "listenbrainz": listenbrainz, "lastfm": lastfm}

__all__ = [
    "PARSERS",
    "IgnoredRecord",
    "ImportProblem",
    "ImportedListen",
    "ImportedSkip",
    "Record",
    "lastfm",
    "listenbrainz",
    "spotify",
]
