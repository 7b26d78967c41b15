"""The listening API: play reports, the saved queue, likes and playlists."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from catalog.models import Album, Artist, Track
from listening import selectors, services
from listening.models import Listen

from .. import serializers


class PlayerThrottle(UserRateThrottle):
    """Generous: a playing client reports every few seconds, but a runaway loop is stopped."""

    rate = "600/min"


class PlayReportApi(APIView):
    """Report playback (start, progress, pause, seek, end, skip, errors, stalls) of one play."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    @extend_schema(request=serializers.PlayReportInput, responses={200: serializers.PlayReportOutput})
    def post(self, request):
        data = serializers.PlayReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("position_ms", None)
        track = get_object_or_404(Track.objects.select_related("artist", "album"), pk=values.pop("track_id"))
        play = services.play_report(user=request.user, track=track, **values)
        output = {
            "play_id": play.play_id,
            "ms_played": play.ms_played,
            "skipped": play.skipped,
            "listen_recorded": Listen.objects.filter(play=play).exists(),
        }
        return Response(serializers.PlayReportOutput(output).data)


def _state_output(view: selectors.PlayerStateView) -> dict:
    state = view.state
    return serializers.PlayerStateOutput(
        {
            "queue": [track.pk for track in view.tracks],
            "tracks": view.tracks,
            "current_index": min(state.current_index, max(len(view.tracks) - 1, 0)),
            "position_ms": state.position_ms,
            "shuffle": state.shuffle,
            "repeat": state.repeat,
            "volume": state.volume,
            "context_type": state.context_type,
            "context_id": state.context_id,
            "version": state.version,
            "updated_at": state.updated_at,
        }
    ).data


class PlayerStateApi(APIView):
    """The current user's queue and position, saved so any of their devices resumes it."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    @extend_schema(responses={200: serializers.PlayerStateOutput})
    def get(self, request):
        return Response(_state_output(selectors.player_state_get(user=request.user)))

    @extend_schema(
        request=serializers.PlayerStateInput,
        responses={200: serializers.PlayerStateOutput, 409: OpenApiResponse(description="Stale version")},
    )
    def put(self, request):
        data = serializers.PlayerStateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        base_version = values.pop("version", None)
        try:
            services.player_state_save(user=request.user, base_version=base_version, **values)
        except ValidationError as error:
            if "version" in getattr(error, "message_dict", {}):
                current = _state_output(selectors.player_state_get(user=request.user))
                return Response(
                    {"version": error.message_dict["version"], "state": current},
                    status=status.HTTP_409_CONFLICT,
                )
            raise
        return Response(_state_output(selectors.player_state_get(user=request.user)))


class PlayerContextApi(APIView):
    """The tracks a play button queues: an album, an artist, a playlist, liked songs, or a list of ids."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    @extend_schema(
        parameters=[serializers.PlayerContextInput], responses={200: serializers.PlayerContextOutput}
    )
    def get(self, request):
        data = serializers.PlayerContextInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        context_type, context_id = data.validated_data["type"], data.validated_data["id"]
        tracks = selectors.player_context_tracks(
            user=request.user,
            context_type=context_type,
            context_id=context_id,
            track_ids=data.validated_data["ids"] or [],
        )
        output = {"context_type": context_type, "context_id": context_id, "tracks": tracks}
        return Response(serializers.PlayerContextOutput(output).data)


_LIKES = {
    "track": (Track, services.track_like_set),
    "album": (Album, services.album_like_set),
    "artist": (Artist, services.artist_like_set),
}


class LikeApi(APIView):
    """Like (PUT) or unlike (DELETE) a track, album or artist; GET tells whether it is liked."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [PlayerThrottle]

    def _target(self, kind: str, pk: int):
        if kind not in _LIKES:
            raise Http404("Likes are for track, album or artist.")
        model, service = _LIKES[kind]
        return get_object_or_404(model, pk=pk), service

    def _answer(self, kind: str, pk: int, liked: bool) -> Response:
        return Response(serializers.LikeOutput({"kind": kind, "id": pk, "liked": liked}).data)

    @extend_schema(responses={200: serializers.LikeOutput})
    def get(self, request, kind: str, pk: int):
        self._target(kind, pk)
        return self._answer(kind, pk, pk in selectors.liked_ids(user=request.user, kind=kind, ids=[pk]))

    @extend_schema(request=None, responses={200: serializers.LikeOutput})
    def put(self, request, kind: str, pk: int):
        target, service = self._target(kind, pk)
        service(user=request.user, **{kind: target}, liked=True)
        return self._answer(kind, pk, True)

    @extend_schema(request=None, responses={200: serializers.LikeOutput})
    def delete(self, request, kind: str, pk: int):
        target, service = self._target(kind, pk)
        service(user=request.user, **{kind: target}, liked=False)
        return self._answer(kind, pk, False)


def _summary(playlist) -> dict:
    if not hasattr(playlist, "track_count"):
        playlist.track_count = playlist.items.count()
    return serializers.PlaylistSummary(playlist).data


def _detail(user, uid) -> dict:
    page = selectors.playlist_page(user=user, uid=uid)
    playlist = page.playlist
    playlist.track_count = page.track_count
    data = dict(serializers.PlaylistSummary(playlist).data)
    data["collaborators"] = [collaborator.username for collaborator in page.collaborators]
    data["can_edit"] = page.can_edit
    data["items"] = serializers.PlaylistItemOutput(page.items, many=True).data
    return data


def _tracks_in_order(track_ids: list[int]) -> list[Track]:
    found = Track.objects.in_bulk(set(track_ids))
    missing = [pk for pk in track_ids if pk not in found]
    if missing:
        raise ValidationError({"track_ids": f"Unknown track ids: {', '.join(map(str, missing[:10]))}."})
    return [found[pk] for pk in track_ids]


class WriteThrottle(UserRateThrottle):
    scope = "writes"
    rate = "120/min"


class PlaylistListApi(APIView):
    """The current user's playlists (owned or collaborative); POST creates one."""

    permission_classes = [permissions.IsAuthenticated]

    def get_throttles(self):
        return [WriteThrottle()] if self.request.method == "POST" else []

    @extend_schema(responses={200: serializers.PlaylistSummary(many=True)})
    def get(self, request):
        playlists = selectors.user_playlists(user=request.user)
        return Response(serializers.PlaylistSummary(playlists, many=True).data)

    @extend_schema(request=serializers.PlaylistInput, responses={201: serializers.PlaylistDetail})
    def post(self, request):
        data = serializers.PlaylistInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tracks = _tracks_in_order(values.pop("track_ids"))
        playlist = services.playlist_create(owner=request.user, tracks=tracks, **values)
        return Response(_detail(request.user, playlist.uid), status=status.HTTP_201_CREATED)


class PlaylistDetailApi(APIView):
    """One playlist with its entries (a 404 when it is private and not yours)."""

    permission_classes = [permissions.IsAuthenticated]

    def get_throttles(self):
        return [] if self.request.method == "GET" else [WriteThrottle()]

    @extend_schema(responses={200: serializers.PlaylistDetail})
    def get(self, request, uid):
        return Response(_detail(request.user, uid))

    @extend_schema(request=serializers.PlaylistUpdateInput, responses={200: serializers.PlaylistDetail})
    def patch(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_update(playlist=playlist, actor=request.user, **data.validated_data)
        return Response(_detail(request.user, uid))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_delete(playlist=playlist, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlaylistTracksApi(APIView):
    """Add tracks to a playlist (owner and collaborators)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(request=serializers.PlaylistAddInput, responses={200: serializers.PlaylistDetail})
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        tracks = _tracks_in_order(data.validated_data["track_ids"])
        services.playlist_add_tracks(
            playlist=playlist, actor=request.user, tracks=tracks, position=data.validated_data.get("position")
        )
        return Response(_detail(request.user, uid))


class PlaylistItemApi(APIView):
    """Remove one entry of a playlist."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(request=None, responses={200: serializers.PlaylistDetail})
    def delete(self, request, uid, item_id: int):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_remove_item(playlist=playlist, actor=request.user, item_id=item_id)
        return Response(_detail(request.user, uid))


class PlaylistOrderApi(APIView):
    """PUT a new order of entries, or POST one move (drag and drop); stored atomically."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(request=serializers.PlaylistOrderInput, responses={200: serializers.PlaylistDetail})
    def put(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_reorder(
            playlist=playlist, actor=request.user, item_ids=data.validated_data["item_ids"]
        )
        return Response(_detail(request.user, uid))

    @extend_schema(request=serializers.PlaylistMoveInput, responses={200: serializers.PlaylistDetail})
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_move_item(playlist=playlist, actor=request.user, **data.validated_data)
        return Response(_detail(request.user, uid))


class PlaylistDuplicateApi(APIView):
    """Copy a playlist you can see into a new private playlist of yours."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(request=None, responses={201: serializers.PlaylistDetail})
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        copy = services.playlist_duplicate(playlist=playlist, actor=request.user)
        return Response(_detail(request.user, copy.uid), status=status.HTTP_201_CREATED)


def _user_named(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": f"There is no user called {username!r}."})
    return user


class PlaylistCollaboratorsApi(APIView):
    """Invite (POST) or remove (DELETE) a collaborator; only the owner invites."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(request=serializers.CollaboratorInput, responses={200: serializers.PlaylistDetail})
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.CollaboratorInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_collaborator_add(
            playlist=playlist, actor=request.user, user=_user_named(data.validated_data["username"])
        )
        return Response(_detail(request.user, uid))


class PlaylistCollaboratorApi(APIView):
    """Remove a collaborator (the owner), or leave a playlist (the collaborator)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(request=None, responses={200: serializers.PlaylistDetail})
    def delete(self, request, uid, username: str):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_collaborator_remove(
            playlist=playlist, actor=request.user, user=_user_named(username)
        )
        if playlist.owner_id != request.user.pk and username == request.user.username:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_detail(request.user, uid))
