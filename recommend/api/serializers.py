"""Shapes of the recommend API's answers, and the examples its schema shows."""

from django.core.files.storage import default_storage
from rest_framework import serializers

from catalog.api.serializers import ARTIST_EXAMPLE, TRACK_EXAMPLE, ArtistSummarySerializer, TrackSerializer

from ..radio import DEFAULT_BATCH, MAX_BATCH, SeedType

MAX_IDS = 500
# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: other APIs have a "kind" and a "source" too.
MIX_KINDS = [("discover", "Discover"), ("daily_mix", "Daily Mix")]
SIMILAR_SOURCES = [("neighbours", "Learnt from listening"), ("content", "Same genres or artist")]
ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}

RECOMMENDED_TRACK_EXAMPLE = {
    "rank": 1,
    "score": 0.8731,
    "reason": "Because you listened to Night Call by Ada Stone",
    "seed_track": {"id": 377, "title": "Night Call", "artist": "Ada Stone", "artist_id": 31},
    "track": TRACK_EXAMPLE,
}
MIX_EXAMPLE = {
    "uid": "0b6f3f0e-5d1a-4d55-9a53-0f6f3c0b7f12",
    "kind": "daily_mix",
    "name": "Daily Mix 1",
    "description": "Synthwave and Darkwave: Ada Stone, Neon Harbor and more",
    "track_count": 50,
    "cover_urls": ["/media/covers/3f/3f9a….jpg"],
    "updated_at": "2026-03-15T03:04:11Z",
    "url": "/playlists/0b6f3f0e-5d1a-4d55-9a53-0f6f3c0b7f12/",
}
RADIO_EXAMPLE = {
    "session": "6c0d2f7e0b7d4a0f9d3c1a2b3c4d5e6f",
    "title": "Blue Moonlight Radio",
    "seed_type": "track",
    "seed_id": "412",
    "context_type": "radio",
    "context_id": "6c0d2f7e0b7d4a0f9d3c1a2b3c4d5e6f",
    "tracks": [TRACK_EXAMPLE],
    "exhausted": False,
}


class SeedTrackSerializer(serializers.Serializer):
    """The played track a recommendation comes from."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    artist = serializers.CharField(source="artist.name")
    artist_id = serializers.IntegerField()


class RecommendedTrackSerializer(serializers.Serializer):
    """A recommended track with its rank, score and reason; expects a track from recommended_tracks()."""

    rank = serializers.IntegerField(source="recommendation_rank")
    score = serializers.FloatField(source="recommendation_score")
    reason = serializers.CharField(help_text="Why it is recommended, e.g. “Because you listened to …”.")
    seed_track = SeedTrackSerializer(allow_null=True, help_text="The played track behind it, if any.")
    track = TrackSerializer(source="*")


class TrackWithReasonSerializer(TrackSerializer):
    """A track of a generated playlist, with the reason it was picked (empty for a favourite)."""

    reason = serializers.CharField(default="")

    class Meta(TrackSerializer.Meta):
        fields = [*TrackSerializer.Meta.fields, "reason"]


class MixSerializer(serializers.Serializer):
    """A generated playlist (Discover, Daily Mix) in lists; expects `track_count` and `mosaic`."""

    uid = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=MIX_KINDS)
    name = serializers.CharField()
    description = serializers.CharField()
    track_count = serializers.IntegerField()
    cover_urls = serializers.SerializerMethodField(help_text="Up to 4 album covers for a mosaic.")
    updated_at = serializers.DateTimeField()
    url = serializers.CharField(source="get_absolute_url", help_text="The playlist's page.")

    def get_cover_urls(self, mix) -> list[str]:
        return [default_storage.url(name) for name in getattr(mix, "mosaic", [])]


class MixDetailSerializer(MixSerializer):
    """A generated playlist with its tracks in order."""

    track_count = serializers.SerializerMethodField()
    tracks = TrackWithReasonSerializer(many=True)

    def get_track_count(self, mix) -> int:
        return len(mix.tracks)


class RadioStartInput(serializers.Serializer):
    seed_type = serializers.ChoiceField(choices=SeedType.choices, help_text="What the radio starts from.")
    seed_id = serializers.CharField(
        max_length=64,
        help_text="The track's, artist's or album's id, the genre's slug, or the playlist's uid.",
    )
    size = serializers.IntegerField(min_value=1, max_value=MAX_BATCH, default=DEFAULT_BATCH)


class RadioNextInput(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, max_value=MAX_BATCH, default=DEFAULT_BATCH)
    skipped = serializers.ListField(
        child=serializers.IntegerField(**ID_FIELD),
        max_length=MAX_IDS,
        default=list,
        help_text="Ids of the session's tracks the listener skipped since the last request.",
    )
    played = serializers.ListField(
        child=serializers.IntegerField(**ID_FIELD),
        max_length=MAX_IDS,
        default=list,
        help_text="Ids of the session's tracks played to the end since the last request.",
    )


class RadioOutput(serializers.Serializer):
    session = serializers.CharField(help_text="The session's id: POST radio/{session}/next/ for more.")
    title = serializers.CharField()
    seed_type = serializers.ChoiceField(choices=SeedType.choices)
    seed_id = serializers.CharField()
    context_type = serializers.CharField(help_text="Report plays of these tracks with this context: radio.")
    context_id = serializers.CharField(help_text="… and this context id (the session's).")
    tracks = TrackSerializer(many=True, help_text="The next tracks, none played before in this session.")
    exhausted = serializers.BooleanField(help_text="True when the session has played everything there is.")


class SimilarQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class SimilarTracksOutput(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=SIMILAR_SOURCES,
        help_text="neighbours: learnt from listening (nightly); content: same genres or artist (fallback).",
    )
    tracks = TrackSerializer(many=True)


class SimilarArtistsOutput(serializers.Serializer):
    source = serializers.ChoiceField(choices=SIMILAR_SOURCES)
    artists = ArtistSummarySerializer(many=True)


class DislikeInput(serializers.Serializer):
    track_id = serializers.IntegerField(**ID_FIELD)


class DislikeSerializer(serializers.Serializer):
    track = TrackSerializer()
    created_at = serializers.DateTimeField()


SIMILAR_ARTISTS_EXAMPLE = {"source": "neighbours", "artists": [ARTIST_EXAMPLE]}
