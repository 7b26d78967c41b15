"""Text no database can store: the null character and lone surrogates, found in one place.

PostgreSQL refuses a NUL in any string (and in jsonb), and no database driver encodes a lone surrogate
(U+D800-U+DFFF) to UTF-8. A NUL comes from a URL (%00), a form or a JSON escape (\\u0000); a lone
surrogate only from JSON: an escape \\ud800 without its pair (json.loads joins a real pair into one
code point), or its UTF-8 bytes, which json.loads reads from bytes with "surrogatepass". Every input
the app parses is checked with these functions before it reaches a query: URLs, headers and the
session cookie by streamapp.middleware, JSON bodies by streamapp.api_parsers.JSONParser and the
ListenBrainz validation, uploaded playlists by listening.playlist_formats.
"""

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NULL_CHARACTER = "contains a null character"
LONE_SURROGATE = "contains a lone surrogate (half of a UTF-16 pair), which is not valid Unicode"
# What json.loads turns into a NUL or a surrogate in a UTF-8 body: an escape, or a surrogate written
# as UTF-8 bytes (ED A0..BF, read with "surrogatepass"). Without either, the document holds neither.
JSON_MAY_HOLD_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]")


def text_problem(text: str) -> str | None:
    """Return why the text can't be stored (the null character, a lone surrogate), or None if it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return NULL_CHARACTER if found.group() == "\x00" else LONE_SURROGATE


def find_unstorable(value: Any, *, path: str = "") -> tuple[str, str] | None:
    """Return (where, why) for a string or key of a JSON value that can't be stored, or None if none.

    `where` is the dotted path from the top (`listens.0.artist_name`), starting with `path`. The walk
    is iterative, so a deeply nested value can't exhaust the stack.
    """
    pending: list[tuple[str, Any]] = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return where, problem
        elif isinstance(item, dict):
            for key, child in item.items():
                key_path = f"{where}.{key}" if where else str(key)
                problem = text_problem(key) if isinstance(key, str) else None
                if problem:
                    return ascii(key_path)[1:-1], f"has a key that {problem}"
                pending.append((key_path, child))
        elif isinstance(item, list):
            pending.extend(
                (f"{where}.{index}" if where else str(index), child) for index, child in enumerate(item)
            )
    return None


def json_depth(value: Any) -> int:
    """Return how deeply a JSON value nests (a scalar is 0, [] and {} are 1), iteratively."""
    deepest = 0
    pending: list[tuple[int, Any]] = [(0, value)]
    while pending:
        depth, item = pending.pop()
        if isinstance(item, dict):
            pending.extend((depth + 1, child) for child in item.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(item, list):
            pending.extend((depth + 1, child) for child in item)
            deepest = max(deepest, depth + 1)
    return deepest
