"""The Subsonic protocol: parameters in, the `subsonic-response` envelope out (XML, JSON or JSONP).

Parameters come from the query string and from a form-encoded POST body (OpenSubsonic's `formPost`),
repeated keys as lists. Every value is checked for text no database can store before a method reads
it. A method's answer is a payload of plain values: a dict's scalars are XML attributes, a nested dict
is one child element, a list is repeated child elements (always an array in JSON, even of one), and
the key `value` is an element's text (Subsonic's JSON spells text so too). A field with no value is
left out by the payload's builder (subsonic.shapes), never sent as null. Errors are SubsonicError,
answered as HTTP 200 envelopes with status "failed" (docs/protocols.md section 2).
"""

import importlib.metadata
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from streamapp.text_checks import text_problem

API_VERSION = "1.16.1"
SERVER_TYPE = "streamapp"
XML_NAMESPACE = "http://subsonic.org/restapi"
FORMATS = ("xml", "json", "jsonp")
# The error codes of the Subsonic API (and OpenSubsonic's for API keys).
GENERIC, MISSING, CLIENT_TOO_OLD, SERVER_TOO_OLD = 0, 10, 20, 30
WRONG_CREDENTIALS, TOKEN_UNSUPPORTED, MECHANISM_UNSUPPORTED, CONFLICTING_AUTH, BAD_API_KEY = (
    40,
    41,
    42,
    43,
    44,
)
NOT_AUTHORISED, NOT_FOUND = 50, 70
# A whole number a client may send: at most 18 digits, so int() never meets a 4,000-digit string.
_INTEGER = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,99}", re.ASCII)
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
# Characters XML 1.0 can't hold (controls but tab, newline and return; U+FFFE, U+FFFF; lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_TEXT_LENGTH = 1000
MAX_PARAMETERS = 5000


def _server_version() -> str:
    try:
        return importlib.metadata.version("streamapp")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


SERVER_VERSION = _server_version()


class SubsonicError(Exception):
    """A request the API refuses: answered as a failed envelope with this code and message."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def missing(name: str) -> SubsonicError:
    return SubsonicError(MISSING, f"Required parameter is missing: {name}.")


def malformed(name: str, why: str) -> SubsonicError:
    return SubsonicError(MISSING, f"Parameter {name} {why}.")


def not_found(what: str) -> SubsonicError:
    return SubsonicError(NOT_FOUND, f"{what} not found.")


class Params:
    """A request's parameters: the query string's, then the form body's, each name a list.

    Read here rather than through request.GET / request.POST: Django refuses more than
    DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields, and a saved play queue or a playlist is sent as one
    `id` per song (up to STREAMAPP_QUEUE_MAX_LENGTH). More than MAX_PARAMETERS is error 10.
    """

    def __init__(self, request: HttpRequest):
        self.values: dict[str, list[str]] = {}
        # WSGI hands the query string over decoded as Latin-1: its bytes back, read as UTF-8 (as
        # Django's request.GET does), so that a client sending unescaped UTF-8 is read right.
        query = request.META.get("QUERY_STRING", "")
        self._add(query.encode("iso-8859-1", errors="replace").decode("utf-8", errors="replace"))
        if request.method != "POST":
            return
        if request.content_type == "application/x-www-form-urlencoded":
            try:
                body = request.body
            except RequestDataTooBig:
                raise malformed(
                    "body", f"is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes"
                ) from None
            self._add(body.decode("utf-8", errors="replace"))
        elif request.content_type == "multipart/form-data":
            try:
                fields = request.POST
            except (TooManyFieldsSent, RequestDataTooBig, MultiPartParserError):
                raise malformed("body", "can't be read as a form of at most 1,000 fields") from None
            for name, values in fields.lists():
                self.values.setdefault(name, []).extend(values)

    def _add(self, encoded: str) -> None:
        try:
            pairs = parse_qsl(
                encoded, keep_blank_values=True, max_num_fields=MAX_PARAMETERS, errors="replace"
            )
        except ValueError:
            raise SubsonicError(
                MISSING, f"The request sends more than {MAX_PARAMETERS:,} parameters."
            ) from None
        for name, value in pairs:
            self.values.setdefault(name, []).append(value)

    def check_text(self) -> None:
        """Raise error 10 naming the first parameter (or name) that holds a NUL or a lone surrogate."""
        for name, values in self.values.items():
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    raise malformed(ascii(name)[1:-1], problem)

    def has(self, name: str) -> bool:
        return bool(self.values.get(name))

    def first(self, name: str) -> str | None:
        values = self.values.get(name)
        return values[0] if values else None

    def text(self, name: str, *, required: bool = False, max_length: int = MAX_TEXT_LENGTH) -> str | None:
        value = self.first(name)
        if value is None:
            if required:
                raise missing(name)
            return None
        if len(value) > max_length:
            raise malformed(name, f"is longer than {max_length} characters")
        return value

    def integer(
        self,
        name: str,
        *,
        default: int | None = None,
        low: int = 0,
        high: int = 10**9,
        required: bool = False,
        clamp: bool = False,
    ) -> int | None:
        """Return a whole-number parameter within [low, high]; clamp=True brings a larger one down to high
        (the counts: a client asking 1,000 songs gets the most the API sends)."""
        value = self.first(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return default
        return _bounded(name, value, low=low, high=high, clamp=clamp)

    def integers(self, name: str, *, low: int = 1, high: int = 2**62) -> list[int]:
        """Return every value of a repeated whole-number parameter (ids), in order."""
        return [_bounded(name, value, low=low, high=high, clamp=False) for value in self.values.get(name, [])]

    def boolean(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self.first(name)
        if value is None or value == "":
            return default
        folded = value.strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise malformed(name, "must be true or false")


def _bounded(name: str, value: str, *, low: int, high: int, clamp: bool) -> int:
    if not _INTEGER.fullmatch(value.strip()):
        raise malformed(name, "must be a whole number")
    number = int(value.strip())
    if number > high and clamp:
        return high
    if not low <= number <= high:
        raise malformed(name, f"must be between {low} and {high}")
    return number


_VERSION = re.compile(r"([0-9]{1,4})\.([0-9]{1,4})(?:\.[0-9]{1,4})?", re.ASCII)


def check_client_version(version: str) -> None:
    """Refuse a `v` that is not a version (10) or of another major version than the API's (20, 30)."""
    match = _VERSION.fullmatch(version.strip())
    if match is None:
        raise malformed("v", "must be a version such as 1.16.1")
    major = int(match.group(1))
    if major < 1:
        raise SubsonicError(
            CLIENT_TOO_OLD, f"Incompatible Subsonic REST protocol version: the server speaks {API_VERSION}."
        )
    if major > 1:
        raise SubsonicError(
            SERVER_TOO_OLD, f"Incompatible Subsonic REST protocol version: the server speaks {API_VERSION}."
        )


def response_format(params: Params) -> tuple[str, str | None]:
    """Return the format asked (`f`, xml by default) and, for jsonp, the callback; refuse others."""
    fmt = (params.first("f") or "xml").lower()
    if fmt not in FORMATS:
        # Answered in XML: the format asked is not one we can speak.
        raise malformed("f", "must be xml, json or jsonp")
    callback = None
    if fmt == "jsonp":
        callback = params.first("callback")
        if callback is None:
            raise missing("callback")
        if not _CALLBACK.fullmatch(callback):
            raise malformed("callback", "must be a JavaScript name")
    return fmt, callback


# ------------------------------------------------------------------------------ the envelope
def envelope(payload: dict | None = None, *, error: SubsonicError | None = None) -> dict:
    body: dict[str, Any] = {
        "status": "failed" if error else "ok",
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": SERVER_VERSION,
        "openSubsonic": True,
    }
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    body.update(payload or {})
    return body


def render(body: dict, *, fmt: str = "xml", callback: str | None = None) -> HttpResponse:
    """Return the envelope as an HTTP 200 response in the format asked."""
    if fmt == "xml":
        return HttpResponse(to_xml(body), content_type="text/xml; charset=utf-8")
    # UTF-8 as it is, no spaces: what json.dumps(ensure_ascii=False, separators=(",", ":")) writes.
    data = orjson.dumps({"subsonic-response": body})
    if fmt == "jsonp":
        return HttpResponse(
            callback.encode("ascii") + b"(" + data + b");", content_type="text/javascript; charset=utf-8"
        )
    return HttpResponse(data, content_type="application/json; charset=utf-8")


def xml_text(value: Any) -> str:
    """Return a scalar as XML text: booleans as true/false, without the characters XML 1.0 forbids (the
    common kinds without a regular expression: a queue of 200 songs has some 5,000 values)."""
    kind = type(value)
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if kind is str else str(value)
    if text.isascii() and text.isprintable():
        return text
    return _NOT_XML.sub("", text)


def to_xml(body: dict) -> bytes:
    """Serialise the envelope: scalars as attributes, dicts as a child, lists as repeated children.

    Written straight to text (ElementTree's tree and serialiser cost 5 ms for a queue of 200 songs),
    byte for byte what ElementTree writes (tests/subsonic/test_protocol.py compares them).
    """
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n"]
    _element(parts, "subsonic-response", {"xmlns": XML_NAMESPACE, **body})
    return "".join(parts).encode("utf-8")


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
)
_SCALARS = frozenset({str, int, bool, float})
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t]')


def _attribute(value: Any) -> str:
    """An attribute's value: xml_text(), escaped only when it holds a character to escape."""
    text = xml_text(value)
    return text.translate(_ATTRIBUTE_ESCAPES) if _ATTRIBUTE_SPECIAL.search(text) else text


def _element(parts: list[str], tag: str, values: dict) -> None:
    attributes, children, text = [], [], None
    for key, value in values.items():
        if value is None:
            continue
        kind = type(value)
        if kind not in _SCALARS and isinstance(value, dict | list | tuple):
            if isinstance(value, dict):
                children.append((key, value))
            else:
                children.extend((key, item) for item in value)
        elif key == "value":
            text = xml_text(value)
        else:
            attributes.append(f' {key}="{_attribute(value)}"')
    parts.append(f"<{tag}{''.join(attributes)}")
    if not text and not children:
        parts.append(" />")
        return
    parts.append(">")
    if text:
        parts.append(_escape_text(text))
    for key, child in children:
        if isinstance(child, dict):
            _element(parts, key, child)
        else:
            child_text = xml_text(child)
            parts.append(f"<{key}>{_escape_text(child_text)}</{key}>" if child_text else f"<{key} />")
    parts.append(f"</{tag}>")
