"""Listening pages (history and its import, liked songs, playlists and their editing, import) and the
audio stream.

Pages parse their input, call one selector or service and render; a form that fails, or a service
that refuses, sends the listener back with a message. Drag-and-drop reordering and removing entries
go through the API (static/streamapp/js/library.js).
"""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from rest_framework.exceptions import AuthenticationFailed, Throttled

from accounts.authentication import ProtectedTokenAuthentication
from catalog.models import Track
from streamapp.uploads import UploadLimit

from . import pages, playlist_formats, selectors, services, transcoding
from .forms import CollaboratorForm, HistoryImportForm, PlaylistForm, PlaylistImportForm
from .models import HistoryImport
from .streaming import stream_response

HISTORY_PAGE_SIZE = 50
LIKED_PAGE_SIZE = 500
# The latest imports listed on the history import page.
HISTORY_IMPORTS_SHOWN = 10


@login_not_required  # answers 401 itself: an <audio> element can't follow a redirect to a log-in page
@require_safe
def stream(request: HttpRequest, track_id: int) -> HttpResponse:
    """Serve a track's audio to a logged-in user or an API client sending its token (Range, HEAD...): the
    original, or a transcode at the quality, format and bitrate asked (docs/streaming.md)."""
    try:
        token_user = request.user.is_authenticated or _token_user(request)
    except Throttled as throttled:
        response = JsonResponse({"detail": throttled.detail}, status=429)
        response["Retry-After"] = str(throttled.wait)
        return response
    if not token_user:
        response = JsonResponse({"detail": "Log in, or send your API token, to stream audio."}, status=401)
        response["WWW-Authenticate"] = "Token"
        return response
    track = get_object_or_404(Track.objects.select_related("audio_file"), pk=track_id)
    audio = track.audio_file
    if audio is None or not audio.is_available or not track.is_available:
        return JsonResponse({"detail": "This track is not available."}, status=404)
    try:
        params = transcoding.parse_stream_params(request.GET, duration_ms=audio.duration_ms)
    except ValidationError as error:
        return JsonResponse(error.message_dict, status=400)
    choice = transcoding.choose_stream(
        audio, quality=params.quality, format=params.format, bitrate_kbps=params.bitrate_kbps
    )
    return stream_response(request, track=track, choice=choice, offset=params.offset)


def _token_user(request: HttpRequest):
    """The active user whose API token the request sends (`Authorization: Token <key>`), else None."""
    try:
        found = ProtectedTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def _export_entries(request: HttpRequest, playlist) -> list[playlist_formats.ExportEntry]:
    return [
        playlist_formats.ExportEntry(
            title=track.title,
            artist=track.artist.name,
            album=track.album.title,
            duration_ms=track.duration_ms,
            location=request.build_absolute_uri(track.get_stream_url()),
        )
        for track in selectors.playlist_export_rows(playlist=playlist)
    ]


@require_safe
def playlist_export(request: HttpRequest, uid, fmt: str) -> HttpResponse:
    """Download a playlist the user may see as M3U8 or XSPF."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    entries = _export_entries(request, playlist)
    filename = slugify(playlist.name) or "playlist"
    if fmt == "m3u8":
        body, content_type = playlist_formats.to_m3u8(name=playlist.name, entries=entries), "audio/x-mpegurl"
    else:
        body, content_type = (
            playlist_formats.to_xspf(name=playlist.name, entries=entries),
            "application/xspf+xml",
        )
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_safe
def playlist_detail(request: HttpRequest, uid) -> HttpResponse:
    """A playlist's page (private playlists are a 404 for everyone but owner, collaborators, staff)."""
    access = selectors.playlist_access(user=request.user, uid=uid)
    main = pages.with_csrf_token(request, pages.playlist_main_part(access=access, user=request.user))
    return render(request, "listening/playlist_detail.html", {"playlist": access.playlist, "main": main})


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_POST
def playlist_update(request: HttpRequest, uid) -> HttpResponse:
    """Rename, describe or publish a playlist (the owner)."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    form = PlaylistForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A playlist needs a name of at most 200 characters.")
        return redirect(playlist)
    try:
        services.playlist_update(playlist=playlist, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "Playlist details saved.")
    return redirect(playlist)


@require_POST
def playlist_delete(request: HttpRequest, uid) -> HttpResponse:
    """Delete a playlist (the owner)."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    services.playlist_delete(playlist=playlist, actor=request.user)
    messages.success(request, f"Deleted “{playlist.name}”.")
    return redirect("listening:playlists")


@require_POST
def playlist_duplicate(request: HttpRequest, uid) -> HttpResponse:
    """Copy a playlist the listener can see into a new private one of theirs."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    copy = services.playlist_duplicate(playlist=playlist, actor=request.user)
    messages.success(request, f"Saved a copy to your library as “{copy.name}”.")
    return redirect(copy)


@require_POST
def playlist_collaborator_add(request: HttpRequest, uid) -> HttpResponse:
    """Invite a listener by username to add and reorder tracks (the owner)."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    form = CollaboratorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the username of the listener to invite.")
        return redirect(playlist)
    username = form.cleaned_data["username"].strip()
    invited = get_user_model().objects.filter(username=username).first()
    if invited is None:
        messages.error(request, f"There is no listener called “{username}”.")
        return redirect(playlist)
    try:
        services.playlist_collaborator_add(playlist=playlist, actor=request.user, user=invited)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"{invited.get_username()} can now add and reorder tracks.")
    return redirect(playlist)


@require_POST
def playlist_collaborator_remove(request: HttpRequest, uid, username: str) -> HttpResponse:
    """Remove a collaborator (the owner), or leave a playlist (the collaborator)."""
    playlist = selectors.playlist_get_visible(user=request.user, uid=uid)
    removed = get_object_or_404(get_user_model(), username=username)
    services.playlist_collaborator_remove(playlist=playlist, actor=request.user, user=removed)
    if removed.pk == request.user.pk and playlist.owner_id != request.user.pk:
        messages.success(request, f"You left “{playlist.name}”.")
        if not playlist.is_public:
            return redirect("listening:playlists")
    else:
        messages.success(request, f"{removed.get_username()} no longer collaborates on this playlist.")
    return redirect(playlist)


@require_http_methods(["GET", "HEAD", "POST"])
def playlist_list(request: HttpRequest) -> HttpResponse:
    """The listener's playlists (own and collaborative); a POST creates one and opens it."""
    form = PlaylistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        playlist = services.playlist_create(owner=request.user, **form.cleaned_data)
        messages.success(request, f"Created “{playlist.name}”. Add tracks from any “…” menu.")
        return redirect(playlist)
    playlists = list(selectors.user_playlists(user=request.user))
    summaries = selectors.playlist_summaries(playlists=playlists, totals=False)
    for playlist in playlists:
        playlist.mosaic = summaries[playlist.pk].mosaic
    return render(request, "listening/playlist_list.html", {"playlists": playlists, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def playlist_import(request: HttpRequest) -> HttpResponse:
    """Make a playlist from an uploaded M3U8 / XSPF file; list the entries that matched nothing."""
    form = PlaylistImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = form.cleaned_data["name"] or Path(upload.name).stem or "Imported playlist"
        try:
            result = services.playlist_import(
                owner=request.user, name=name, content=upload.read(), filename=upload.name
            )
        except ValidationError as error:
            form.add_error("file", _error_text(error))
    total = result.matched + len(result.unmatched) if result else 0
    status = 400 if form.errors else 200  # a refused file is a client error, shown on the form
    return render(
        request,
        "listening/playlist_import.html",
        {"form": form, "result": result, "total": total},
        status=status,
    )


def _parse_before(value: str) -> dt.datetime | None:
    """Return ?before= as a UTC datetime, or None (the latest listens) if absent or not one."""
    try:
        before = parse_datetime(value) if value else None
    except ValueError:  # well formed but impossible, like month 13
        return None
    if before is None:
        return None
    if before.tzinfo is None:
        return before.replace(tzinfo=dt.UTC)
    try:
        # In UTC, as the database compares it (PostgreSQL refuses offsets past 15:59).
        return before.astimezone(dt.UTC)
    except OverflowError:  # past year 9999 or before year 1 once in UTC
        return None


@require_safe
def history(request: HttpRequest) -> HttpResponse:
    """Recently played: the listener's listens grouped by day in their time zone, and what plays now."""
    before = _parse_before(request.GET.get("before", ""))
    return render(
        request,
        "listening/history.html",
        {
            "listens_part": pages.history_part(user=request.user, limit=HISTORY_PAGE_SIZE, before=before),
            "now_playing": selectors.now_playing_kept(user=request.user) if before is None else None,
            "zone": selectors.user_zone(request.user),
        },
    )


@require_safe
def liked_songs(request: HttpRequest) -> HttpResponse:
    """Liked songs: every track the listener liked, newest first, played as a queue."""
    tracks = selectors.liked_tracks(user=request.user)
    shown = list(tracks[:LIKED_PAGE_SIZE])
    total, duration_ms = len(shown), sum(track.duration_ms for track in shown)
    if total == LIKED_PAGE_SIZE:
        totals = tracks.order_by().aggregate(count=Count("pk"), duration=Sum("duration_ms"))
        total, duration_ms = totals["count"], totals["duration"] or 0
    return render(
        request,
        "listening/liked_songs.html",
        {"tracks": shown, "total": total, "duration_ms": duration_ms},
    )


@require_safe
def library_sidebar(request: HttpRequest) -> HttpResponse:
    """The sidebar's "Your library" block alone, for the player to refresh after a change."""
    return HttpResponse(pages.sidebar_part(user=request.user))


def _history_import_page(
    request: HttpRequest, *, form: HistoryImportForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "history_form": form or HistoryImportForm(),
        "history_imports": HistoryImport.objects.filter(user=request.user)[:HISTORY_IMPORTS_SHOWN],
    }
    return render(request, "listening/history_import.html", context, status=status)


@csrf_exempt  # the upload limit must be installed before the CSRF check reads the body: checked below
@require_http_methods(["GET", "HEAD", "POST"])
def history_import(request: HttpRequest) -> HttpResponse:
    """Show the history upload and the latest imports; start the import of an upload (on Celery).

    An upload over STREAMAPP_HISTORY_UPLOAD_MAX_BYTES is answered 413 with the form's error, unread
    when its Content-Length says so, else as soon as its files pass the limit.
    """
    if request.method != "POST":
        return _history_import_page(request)
    limit = UploadLimit.install(request, max_bytes=settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES)
    request.POST  # noqa: B018 (reads the body, through the limit)
    if limit.exceeded:
        return _history_import_page(request, form=HistoryImportForm(request.POST, too_large=True), status=413)
    return _history_import_checked(request)


@csrf_protect
def _history_import_checked(request: HttpRequest) -> HttpResponse:
    form = HistoryImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _history_import_page(request, form=form)
    data = form.cleaned_data
    try:
        services.history_import_start(user=request.user, format=data["format"], uploads=data["files"])
    except ValidationError as error:  # one import at a time; the rows of the day
        form.add_error("files", error)
        return _history_import_page(request, form=form)
    messages.success(request, "Your history is being imported: its progress shows below.")
    return redirect(reverse("listening:history-import") + "#history-import")


@require_GET
def history_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Return one of the user's imports as a fragment of the import page (polled while it runs)."""
    history_import = get_object_or_404(HistoryImport, pk=pk, user=request.user)
    return render(request, "listening/partials/history_import.html", {"history_import": history_import})
