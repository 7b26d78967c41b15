"""The submission checks as pure functions (no database): boundaries and normalisation."""

import json

import pytest

from listening.listenbrainz import validation
from listening.listenbrainz.validation import ListenValidationError, parse_submission, validate_listen

NOW = 1_700_000_000


def body(listen_type="single", payload=None) -> bytes:
    payload = payload if payload is not None else [{"listened_at": NOW, "track_metadata": METADATA}]
    return json.dumps({"listen_type": listen_type, "payload": payload}).encode()


METADATA = {"artist_name": "A", "track_name": "T"}


@pytest.mark.parametrize(
    ("listened_at", "accepted"),
    [
        (1_033_430_399, False),
        (1_033_430_400, True),
        (NOW + 3599, True),
        (NOW + 3600, False),
        ("1500000000", True),
        (1_500_000_000.9, True),
        ("1.5e9", False),
        (True, False),
        (1e400, False),
    ],
)
def test_listened_at_range_and_type(listened_at, accepted):
    listen = {"listened_at": listened_at, "track_metadata": METADATA}
    if accepted:
        assert validate_listen(listen, "single", now=NOW)["listened_at"] == int(listened_at)
    else:
        with pytest.raises(ListenValidationError):
            validate_listen(listen, "single", now=NOW)


def test_a_valid_submission_is_normalised():
    listen = {
        "listened_at": str(NOW),
        "track_metadata": {
            "artist_name": "  A  ",
            "track_name": "T ",
            "release_name": "",
            "additional_info": {"duration": "200", "artist_mbids": None, "tags": [], "x": {"y": 1}},
        },
    }
    submission = parse_submission(body("import", [listen]), now=NOW)
    assert submission.listen_type == "import"
    assert submission.listens == [
        {
            "listened_at": NOW,
            "track_metadata": {
                "artist_name": "A",
                "track_name": "T",
                "additional_info": {"duration": 200, "tags": [], "x": {"y": 1}},
            },
        }
    ]
    assert listen["track_metadata"]["artist_name"] == "  A  "  # the input is not changed


def test_the_size_of_each_listen_is_measured_in_a_large_body():
    big = {"listened_at": NOW, "track_metadata": {**METADATA, "additional_info": {"blob": "é" * 5200}}}
    small = [{"listened_at": NOW - i, "track_metadata": METADATA} for i in range(10)]
    assert validation.listen_size(big) > validation.MAX_LISTEN_BYTES
    with pytest.raises(ListenValidationError, match="may not be larger than 10240 bytes"):
        parse_submission(body("import", [*small, big]), now=NOW)


def test_a_listen_just_under_the_size_limit_is_accepted():
    listen = {"listened_at": NOW, "track_metadata": {**METADATA, "additional_info": {"blob": ""}}}
    listen["track_metadata"]["additional_info"]["blob"] = "x" * (10_240 - validation.listen_size(listen))
    assert validation.listen_size(listen) == validation.MAX_LISTEN_BYTES
    padded = body("import", [listen, {"listened_at": NOW - 1, "track_metadata": METADATA}])
    assert len(parse_submission(padded, now=NOW).listens) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_null_characters_are_found_in_any_json_encoding(encoding):
    document = {"listen_type": "single", "payload": [{"listened_at": NOW, "track_metadata": METADATA}]}
    document["payload"][0]["track_metadata"] = {**METADATA, "additional_info": {"note": "a\x00b"}}
    with pytest.raises(ListenValidationError, match="unicode null"):
        parse_submission(json.dumps(document).encode(encoding), now=NOW)
    document["payload"][0]["track_metadata"] = {**METADATA, "additional_info": {"note": "a\\u0000b"}}
    assert len(parse_submission(json.dumps(document).encode(encoding), now=NOW).listens) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_lone_surrogates_are_found_in_any_json_encoding(encoding):
    document = {"listen_type": "single", "payload": [{"listened_at": NOW, "track_metadata": METADATA}]}
    document["payload"][0]["track_metadata"] = {**METADATA, "additional_info": {"note": "a\udc00b"}}
    with pytest.raises(ListenValidationError, match="additional_info.note contains a lone surrogate"):
        parse_submission(json.dumps(document).encode(encoding), now=NOW)
    document["payload"][0]["track_metadata"] = {**METADATA, "additional_info": {"note": "a\U0001f3b5b"}}
    assert len(parse_submission(json.dumps(document).encode(encoding), now=NOW).listens) == 1


def test_a_long_listen_is_measured_in_a_utf16_body():
    listen = {"listened_at": NOW, "track_metadata": {**METADATA, "additional_info": {"note": "語" * 4000}}}
    utf16 = json.dumps({"listen_type": "single", "payload": [listen]}, ensure_ascii=False).encode("utf-16")
    assert len(utf16) < validation.MAX_LISTEN_BYTES < validation.listen_size(listen)
    with pytest.raises(ListenValidationError, match="may not be larger"):
        parse_submission(utf16, now=NOW)


def test_non_ascii_text_is_measured_in_utf8_bytes():
    # Escaped as \u00e9 it would take 6 bytes a character; in UTF-8 it takes 2, under the limit.
    listen = {"listened_at": NOW, "track_metadata": {**METADATA, "additional_info": {"blob": "é" * 5000}}}
    assert len(json.dumps(listen)) > validation.MAX_LISTEN_BYTES >= validation.listen_size(listen)
    padded = body("import", [listen, {"listened_at": NOW - 1, "track_metadata": METADATA}])
    assert len(parse_submission(padded, now=NOW).listens) == 2
