"""Examples of the catalog API's detail answers for the schema, and the tracks other apps' examples use.

The shared representations' own examples (TRACK_EXAMPLE, ALBUM_EXAMPLE, ...) live beside their
serializers in catalog.api.serializers; these build on them: Ada Stone's album Night Drives (2019), her
single Neon Rain (2021), and Mara Dahl's Quiet Rooms.
"""

from drf_spectacular.utils import OpenApiExample

from .serializers import ALBUM_EXAMPLE, ARTIST_EXAMPLE, GENRE_EXAMPLE, TRACK_EXAMPLE

NIGHT_DRIVES_COVER = TRACK_EXAMPLE["cover_url"]
NEON_RAIN_COVER = "/media/covers/b4/b40e….jpg"


def track(pk: int, title: str, duration_ms: int, **fields) -> dict:
    """Return a track as the API shows it: Night Drives' unless album and artist are given."""
    return {
        **TRACK_EXAMPLE, "id": pk, "title": title, "duration_ms": duration_ms, "stream_url": f"/stream/{pk}/",
        "url": f"/tracks/{pk}/", **fields,
    }


# Night Drives' tracklist (TRACK_EXAMPLE is its third track).
HEADLIGHTS = track(410, "Headlights", 251_000)
STATIC_HEARTS = track(411, "Static Hearts", 198_400)
BLUE_MOONLIGHT = TRACK_EXAMPLE
NEON_HARBOUR = track(413, "Neon Harbour", 242_900)
NIGHT_DRIVES_TRACKS = [HEADLIGHTS, STATIC_HEARTS, BLUE_MOONLIGHT, NEON_HARBOUR]
NEON_RAIN = track(
    388, "Neon Rain", 203_600, album="Neon Rain", album_id=64, cover_url=NEON_RAIN_COVER
)
PAPER_LANTERNS = track(
    415, "Paper Lanterns", 187_300, artist="Mara Dahl", artist_id=35, album="Quiet Rooms", album_id=61,
    cover_url="/media/covers/71/71c2….jpg",
)

NEON_RAIN_SINGLE = {
    **ALBUM_EXAMPLE, "id": 64, "title": "Neon Rain", "release_year": 2021, "album_type": "single",
    "cover_url": NEON_RAIN_COVER, "url": "/albums/64/",
}
SYNTHWAVE_NIGHTS = {
    **ALBUM_EXAMPLE, "id": 70, "title": "Synthwave Nights, Vol. 2", "artist": "Various Artists",
    "artist_id": 2, "release_year": 2022, "album_type": "compilation", "cover_url": None,
    "url": "/albums/70/",
}
MARA_DAHL = {"id": 35, "name": "Mara Dahl", "sort_name": "Dahl, Mara", "mbid": None, "url": "/artists/35/"}
QUIET_ROOMS = {
    **ALBUM_EXAMPLE, "id": 61, "title": "Quiet Rooms", "artist": "Mara Dahl", "artist_id": 35,
    "release_year": 2023, "cover_url": "/media/covers/71/71c2….jpg", "url": "/albums/61/",
}

ARTIST_DETAIL = OpenApiExample(
    "An artist",
    value={
        **ARTIST_EXAMPLE,
        "picture_url": NEON_RAIN_COVER,
        "track_count": 5,
        "top_tracks": [BLUE_MOONLIGHT, NEON_RAIN, HEADLIGHTS],
        "albums": [{**ALBUM_EXAMPLE, "track_count": 4}],
        "singles_and_eps": [{**NEON_RAIN_SINGLE, "track_count": 1}],
        "compilations": [],
        "appears_on": [SYNTHWAVE_NIGHTS],
    },
    response_only=True,
)
ARTIST_NOT_FOUND = OpenApiExample(
    "No such artist", value={"detail": "No such artist."}, response_only=True, status_codes=["404"]
)

ALBUM_DETAIL = OpenApiExample(
    "An album",
    value={
        **ALBUM_EXAMPLE,
        "track_count": 4,
        "duration_ms": sum(item["duration_ms"] for item in NIGHT_DRIVES_TRACKS),
        "genres": [GENRE_EXAMPLE],
        "tracks": [
            {**item, "disc_number": 1, "track_number": number, "is_available": True}
            for number, item in enumerate(NIGHT_DRIVES_TRACKS, start=1)
        ],
    },
    response_only=True,
)
ALBUM_NOT_FOUND = OpenApiExample(
    "No such album", value={"detail": "No such album."}, response_only=True, status_codes=["404"]
)

GENRE_DETAIL = OpenApiExample(
    "A genre",
    value={
        **GENRE_EXAMPLE,
        "track_count": 120,
        "artists": [ARTIST_EXAMPLE, MARA_DAHL],
        "albums": [QUIET_ROOMS, NEON_RAIN_SINGLE, ALBUM_EXAMPLE],
        "tracks": [HEADLIGHTS, NEON_RAIN, PAPER_LANTERNS],
    },
    response_only=True,
)
GENRE_NOT_FOUND = OpenApiExample(
    "No such genre", value={"detail": "No such genre."}, response_only=True, status_codes=["404"]
)
