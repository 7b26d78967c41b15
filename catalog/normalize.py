"""Normalised keys for matching names across tags, imports and submitted listens."""

import re
import unicodedata

_FEATURING = re.compile(r"[\(\[]?\b(?:feat|ft|featuring)\b\.?.*$", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Return text case-folded, with accents removed and punctuation collapsed to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", without_marks.casefold().replace("&", " and ")).strip()


def name_key(text: str) -> str:
    """Return the matching key of an artist, album or track name ("feat." parts dropped)."""
    stripped = _FEATURING.sub("", text or "").strip()
    return fold(stripped or text)[:255]
