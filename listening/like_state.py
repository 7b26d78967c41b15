"""Like buttons show the listener's own likes: set in one pass over each page, once it is rendered.

Templates and the row and card tags render every like button as not pressed, so what they write is
the same for every listener and can be cached and shared (catalog.pages keeps whole album, artist
and search pages). LikeStateMiddleware then presses the buttons of what the listener likes, reading
their liked ids once (listening.selectors.liked_id_sets: cached per listener).

Every like button is written as (the white space between attributes may vary)::

    aria-pressed="false" aria-label="Like …" title="Save to your likes"
      data-like-kind="track" data-like-id="7"

Attribute values are escaped, so a title or a name can't contain a quote, let alone this pattern.
"""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import selectors

UNPRESSED = re.compile(
    rb'aria-pressed="false"( aria-label="[^"]*") title="Save to your likes"'
    rb'(\s+data-like-kind="(track|album|artist)" data-like-id="(\d+)")'
)


def mark_liked(content: bytes, liked: dict[str, set[int]]) -> bytes:
    """Return the page with the like buttons of the liked ids ({"track": {...}, ...}) pressed."""

    def press(match: re.Match) -> bytes:
        if int(match[4]) not in liked[match[3].decode()]:
            return match[0]
        return b'aria-pressed="true"' + match[1] + b' title="Remove from your likes"' + match[2]

    return UNPRESSED.sub(press, content)


class LikeStateMiddleware:
    """Press the like buttons of what the logged-in listener likes on every HTML page and partial."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or not request.user.is_authenticated
            or UNPRESSED.search(response.content) is None
        ):
            return response
        response.content = mark_liked(response.content, selectors.liked_id_sets(user=request.user))
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
