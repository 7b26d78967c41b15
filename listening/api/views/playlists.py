"""Playlists: full CRUD, adding and removing entries, reordering, duplicating, collaborators."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Track
from listening import selectors, services
from streamapp.api import WriteRateThrottle

from .. import examples, serializers


def _summary(playlist) -> dict:
    if not hasattr(playlist, "track_count"):
        playlist.track_count = playlist.items.count()
    return serializers.PlaylistSummary(playlist).data


def _detail(user, uid) -> dict:
    access = selectors.playlist_access(user=user, uid=uid)
    entries = selectors.playlist_entries(playlist=access.playlist)
    playlist = access.playlist
    playlist.track_count = entries.track_count
    data = dict(serializers.PlaylistSummary(playlist).data)
    data["collaborators"] = [collaborator.username for collaborator in access.collaborators]
    data["can_edit"] = access.can_edit
    data["items"] = serializers.PlaylistItemOutput(entries.items, many=True).data
    return data


def _tracks_in_order(track_ids: list[int]) -> list[Track]:
    found = Track.objects.in_bulk(set(track_ids))
    missing = [pk for pk in track_ids if pk not in found]
    if missing:
        raise ValidationError({"track_ids": f"Unknown track ids: {', '.join(map(str, missing[:10]))}."})
    return [found[pk] for pk in track_ids]


@extend_schema(tags=["playlists"])
class PlaylistListApi(APIView):
    """The current user's playlists (owned or collaborative); POST creates one."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(responses={200: serializers.PlaylistSummary(many=True)}, examples=examples.PLAYLIST_LIST)
    def get(self, request):
        playlists = selectors.user_playlists(user=request.user)
        return Response(serializers.PlaylistSummary(playlists, many=True).data)

    @extend_schema(
        request=serializers.PlaylistInput,
        responses={201: serializers.PlaylistDetail},
        examples=examples.PLAYLIST_CREATE,
    )
    def post(self, request):
        data = serializers.PlaylistInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tracks = _tracks_in_order(values.pop("track_ids"))
        playlist = services.playlist_create(owner=request.user, tracks=tracks, **values)
        return Response(_detail(request.user, playlist.uid), status=status.HTTP_201_CREATED)


@extend_schema(tags=["playlists"])
class PlaylistDetailApi(APIView):
    """One playlist with its entries (a 404 when it is private and not yours)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(responses={200: serializers.PlaylistDetail}, examples=examples.PLAYLIST_GET)
    def get(self, request, uid):
        return Response(_detail(request.user, uid))

    @extend_schema(
        request=serializers.PlaylistUpdateInput,
        responses={200: serializers.PlaylistDetail},
        examples=examples.PLAYLIST_PATCH,
    )
    def patch(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_update(playlist=playlist, actor=request.user, **data.validated_data)
        return Response(_detail(request.user, uid))

    @extend_schema(request=None, responses={204: None}, examples=examples.PLAYLIST_DELETE)
    def delete(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_delete(playlist=playlist, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["playlists"])
class PlaylistTracksApi(APIView):
    """Add tracks to a playlist (owner and collaborators)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=serializers.PlaylistAddInput,
        responses={200: serializers.PlaylistDetail},
        examples=examples.PLAYLIST_ADD,
    )
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        tracks = _tracks_in_order(data.validated_data["track_ids"])
        services.playlist_add_tracks(
            playlist=playlist, actor=request.user, tracks=tracks, position=data.validated_data.get("position")
        )
        return Response(_detail(request.user, uid))


@extend_schema(tags=["playlists"])
class PlaylistItemApi(APIView):
    """Remove one entry of a playlist."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=None, responses={200: serializers.PlaylistDetail}, examples=examples.PLAYLIST_ITEM_DELETE
    )
    def delete(self, request, uid, item_id: int):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_remove_item(playlist=playlist, actor=request.user, item_id=item_id)
        return Response(_detail(request.user, uid))


@extend_schema(tags=["playlists"])
class PlaylistOrderApi(APIView):
    """PUT a new order of entries, or POST one move (drag and drop); stored atomically."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=serializers.PlaylistOrderInput,
        responses={200: serializers.PlaylistDetail},
        examples=examples.PLAYLIST_ORDER_PUT,
    )
    def put(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_reorder(
            playlist=playlist, actor=request.user, item_ids=data.validated_data["item_ids"]
        )
        return Response(_detail(request.user, uid))

    @extend_schema(
        request=serializers.PlaylistMoveInput,
        responses={200: serializers.PlaylistDetail},
        examples=examples.PLAYLIST_ORDER_POST,
    )
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.PlaylistMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_move_item(playlist=playlist, actor=request.user, **data.validated_data)
        return Response(_detail(request.user, uid))


@extend_schema(tags=["playlists"])
class PlaylistDuplicateApi(APIView):
    """Copy a playlist you can see into a new private playlist of yours."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=None, responses={201: serializers.PlaylistDetail}, examples=examples.PLAYLIST_DUPLICATE
    )
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        copy = services.playlist_duplicate(playlist=playlist, actor=request.user)
        return Response(_detail(request.user, copy.uid), status=status.HTTP_201_CREATED)


def _user_named(username: str):
    # A NUL never gets here: streamapp.middleware refuses one in the URL, the serializer in the body.
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": f"There is no user called {username!r}."})
    return user


@extend_schema(tags=["playlists"])
class PlaylistCollaboratorsApi(APIView):
    """Invite (POST) or remove (DELETE) a collaborator; only the owner invites."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=serializers.CollaboratorInput,
        responses={200: serializers.PlaylistDetail},
        examples=examples.PLAYLIST_COLLABORATOR_ADD,
    )
    def post(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        data = serializers.CollaboratorInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playlist_collaborator_add(
            playlist=playlist, actor=request.user, user=_user_named(data.validated_data["username"])
        )
        return Response(_detail(request.user, uid))


@extend_schema(tags=["playlists"])
class PlaylistCollaboratorApi(APIView):
    """Remove a collaborator (the owner), or leave a playlist (the collaborator)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(serializers.PlaylistDetail, "The owner removed them: the playlist."),
            204: OpenApiResponse(description="A collaborator left the playlist (removed themselves)."),
        },
        examples=examples.PLAYLIST_COLLABORATOR_REMOVE,
    )
    def delete(self, request, uid, username: str):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_collaborator_remove(
            playlist=playlist, actor=request.user, user=_user_named(username)
        )
        if playlist.owner_id != request.user.pk and username == request.user.username:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_detail(request.user, uid))
