"""Playlists: full CRUD, adding and removing entries (read page by page), reordering, duplicating,
collaborators.

A playlist may hold tens of thousands of entries: its detail (and every write's answer) carries the
first page of them, and GET /playlists/{uid}/tracks/?page= the rest, so no request reads them all.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from catalog.models import Track
from listening import selectors, services
from streamapp.api import WriteRateThrottle
from streamapp.api_throttles import ExpensiveReadThrottle

from .. import examples, serializers


def _detail(request, uid) -> dict:
    """Return the playlist as PlaylistDetail: its first page of entries, and a link to the next (at
    most 4 queries: the access, when not cached, the page, and the count when there is more than a
    page; a generated playlist counts its entries whose tracks still exist before reading the page)."""
    access = selectors.playlist_access(user=request.user, uid=uid)
    playlist = access.playlist
    entries = selectors.playlist_items(playlist=playlist)
    page_size = api_settings.PAGE_SIZE
    first_page = list(entries[: page_size + 1])
    has_more = len(first_page) > page_size
    playlist.track_count = entries.count() if has_more else len(first_page)
    data = dict(serializers.PlaylistSummary(playlist).data)
    data["collaborators"] = [collaborator.username for collaborator in access.collaborators]
    data["can_edit"] = access.can_edit
    data["items"] = serializers.PlaylistItemOutput(first_page[:page_size], many=True).data
    data["items_next"] = (
        request.build_absolute_uri(reverse("listening-api:playlist-tracks", kwargs={"uid": playlist.uid}))
        + "?page=2"
        if has_more
        else None
    )
    return data


def _tracks_in_order(track_ids: list[int]) -> list[Track]:
    found = Track.objects.in_bulk(set(track_ids))
    missing = [pk for pk in track_ids if pk not in found]
    if missing:
        raise ValidationError({"track_ids": f"Unknown track ids: {', '.join(map(str, missing[:10]))}."})
    return [found[pk] for pk in track_ids]


@extend_schema(tags=["playlists"])
class PlaylistListApi(generics.GenericAPIView):
    """The current user's playlists (owned or collaborative), most recently changed first, page by page;
    POST creates one."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle]
    serializer_class = serializers.PlaylistSummary
    filter_backends = []

    @extend_schema(responses={200: serializers.PlaylistSummary(many=True)}, examples=examples.PLAYLIST_LIST)
    def get(self, request):
        page = self.paginate_queryset(selectors.user_playlists(user=request.user))
        return self.get_paginated_response(serializers.PlaylistSummary(page, many=True).data)

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
        return Response(_detail(request, playlist.uid), status=status.HTTP_201_CREATED)


@extend_schema(tags=["playlists"])
class PlaylistDetailApi(APIView):
    """One playlist with its first page of entries (a 404 when it is private and not yours)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle, ExpensiveReadThrottle]

    @extend_schema(responses={200: serializers.PlaylistDetail}, examples=examples.PLAYLIST_GET)
    def get(self, request, uid):
        return Response(_detail(request, uid))

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
        return Response(_detail(request, uid))

    @extend_schema(request=None, responses={204: None}, examples=examples.PLAYLIST_DELETE)
    def delete(self, request, uid):
        playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
        services.playlist_delete(playlist=playlist, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["playlists"])
class PlaylistTracksApi(generics.GenericAPIView):
    """A playlist's entries in order, page by page (GET); add tracks to it (POST: owner and collaborators)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [WriteRateThrottle, ExpensiveReadThrottle]
    serializer_class = serializers.PlaylistItemOutput
    filter_backends = []

    @extend_schema(
        responses={200: serializers.PlaylistItemOutput(many=True)}, examples=examples.PLAYLIST_TRACKS_GET
    )
    def get(self, request, uid):
        access = selectors.playlist_access(user=request.user, uid=uid)
        page = self.paginate_queryset(selectors.playlist_items(playlist=access.playlist))
        return self.get_paginated_response(serializers.PlaylistItemOutput(page, many=True).data)

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
        return Response(_detail(request, uid))


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
        return Response(_detail(request, uid))


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
        return Response(_detail(request, uid))

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
        return Response(_detail(request, uid))


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
        return Response(_detail(request, copy.uid), status=status.HTTP_201_CREATED)


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
        return Response(_detail(request, uid))


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
        return Response(_detail(request, uid))
