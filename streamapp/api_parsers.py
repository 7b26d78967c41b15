"""The API's JSON parser: DRF's, refusing what would only fail further on, as a 400 naming the problem.

Its own module because DRF imports the default parsers while rest_framework.views is loading (as with
streamapp.api_throttles), and streamapp.api imports rest_framework.views.
"""

import io

from rest_framework import exceptions, parsers

from .text_checks import JSON_MAY_HOLD_UNSTORABLE, find_unstorable, json_depth

# No request of the API nests deeper than a few levels; a deeper document would exhaust Python's
# stack in json.loads (a RecursionError, a 500) or later when it is written back out.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON parse error - the document is nested more than {MAX_JSON_DEPTH} levels deep."


class JSONParser(parsers.JSONParser):
    """Parse a JSON body, refusing one nested too deep, and any string or key holding a NUL or a lone
    surrogate (named by its path, like `listens.0.artist_name`): neither can be stored."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None
        # Counting brackets (in C) spares the walk for the usual small document.
        if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and json_depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(TOO_DEEP)
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        # In UTF-8, a NUL or a lone surrogate can only come from an escape (DRF decodes strictly).
        if encoding.lower().replace("-", "") != "utf8" or JSON_MAY_HOLD_UNSTORABLE.search(body):
            found = find_unstorable(data)
            if found is not None:
                where, problem = found
                raise exceptions.ValidationError({where or "non_field_errors": [f"This value {problem}."]})
        return data
