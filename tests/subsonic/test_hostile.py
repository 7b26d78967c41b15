"""Every method with hostile parameters answers an envelope (or its media), never a server error."""

import pytest

from subsonic.methods import REGISTRY

from .conftest import token_params

pytestmark = pytest.mark.django_db

HOSTILE = [
    {},
    {"id": "9" * 4000, "albumId": "abc", "artistId": "-5", "playlistId": "../../etc", "songId": "1e9"},
    {"id": "0", "size": "-1", "count": "99999999999999999999", "offset": "1" * 30, "type": "random"},
    {"type": "byYear", "fromYear": "99999", "toYear": "-1", "genre": "x" * 5000},
    {"query": "\u200b" * 300, "artistCount": "abc", "songOffset": "18446744073709551616"},
    {"id": "1", "time": "253402300799001", "submission": "maybe", "current": "2", "position": "-3"},
    {"id": "pl-1", "size": "0", "maxBitRate": "1" * 19, "format": "\ufffd", "timeOffset": "nan"},
    {"username": "someone", "name": "", "comment": "c" * 3000, "public": "perhaps"},
    {"playlistId": "00000000-0000-0000-0000-000000000000", "songIndexToRemove": "4294967296"},
    {"id": ["1", "1", "1"], "songId": ["1", "x"], "songIdToAdd": "2"},
]


@pytest.mark.parametrize("method", sorted(REGISTRY))
def test_hostile_parameters_never_break_a_method(client, subsonic_user, library, method):
    for params in HOSTILE:
        for fmt in ("json", "xml"):
            response = client.get(f"/rest/{method}", {**token_params(), "f": fmt, **params})
            assert response.status_code in (200, 206), (method, params, response.status_code)
