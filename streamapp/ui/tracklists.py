"""Tracklists rendered in Python: the rows of templates/ui/track_row.html, fast.

A row through nested includes (cover, like button, four icons) and five reverse() calls cost 1.5-2 ms
of template rendering; 50 rows made a page miss its latency target on their own. These tags write
the same markup from precomputed URL patterns and icons read once, in some 20-40 µs a row:

    {% track_rows tracks numbers="counter" show_cover=True show_album=True %}   a list of tracks
    {% track_rows disc.tracks numbers="track" album_artist_id=album.artist_id %} album order numbers
    {% playlist_rows page.items can_edit=page.can_edit %}                     a playlist's entries
    {% history_rows day.listens %}                  listens, with those that matched nothing
    {% track_row track number=1 show_cover=True %}                            one row

track_row.html itself calls `track_row`, so an include of it still renders the same row. The options
(documented there) are those of that include. Like buttons are written not pressed: rows are the same
for every listener, and listening.like_state presses the listener's own once the page is rendered.
"""

# ruff: noqa: S308 -- rows are assembled from constant markup, icons read from our own templates, and
# values passed through escape() / conditional_escape() where they are interpolated (see the tests).

import datetime as dt
from collections.abc import Iterable
from html import escape

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from .cards import cover_html, url_pattern
from .formats import duration, hue, initials
from .icons import icon_html
from .registry import register


class _Urls:
    """The catalog's detail URLs by pk, without a reverse() per link."""

    __slots__ = ("track", "album", "artist")

    def __init__(self):
        self.track, self.album, self.artist = (url_pattern(kind) for kind in ("track", "album", "artist"))


class _Icons:
    __slots__ = ("play", "pause", "heart", "more", "note")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, icon_html(name))


def _row(
    track,
    *,
    urls: _Urls,
    icons: _Icons,
    number="",
    show_cover=False,
    show_album=False,
    album_artist_id=None,
    current_id=None,
    item_id=None,
    can_edit=False,
    played_at: dt.datetime | None = None,
) -> str:
    pk = track.pk
    title = escape(track.title)
    available = track.is_available
    current = current_id is not None and current_id != "" and pk == current_id
    reason = getattr(track, "reason", "")
    album_url = urls.album.format(track.album_id)
    artist_url = urls.artist.format(track.artist_id)

    classes = "track-row" + ("" if available else " is-unavailable") + (" is-current" if current else "")
    extra = ""
    if item_id:
        extra = f'data-item-id="{item_id}"' + (' draggable="true"' if can_edit else "")
    if current:
        extra += ' aria-current="true"'
    if reason:
        extra += ' data-recommended="true"'
    shown_number = "" if number in (None, "", 0, False) else escape(str(number))
    disabled = "" if available else ' aria-disabled="true"'
    cover = cover_html(track.album, "xs") if show_cover else ""
    artist = ""
    if not album_artist_id or track.artist_id != album_artist_id:
        artist = f'<a class="track-artist" href="{artist_url}">{escape(track.artist.name)}</a>'
    reason_html = f'<span class="track-reason">{conditional_escape(reason)}</span>' if reason else ""
    badge = "" if available else '<span class="track-badge">Unavailable</span>'
    album = (
        f'<a class="track-album" href="{album_url}">{escape(track.album.title)}</a>' if show_album else ""
    )
    length = duration(track.duration_ms)
    if played_at:
        local = timezone.localtime(played_at) if timezone.is_aware(played_at) else played_at
        when = (
            f'<span class="track-duration track-when" title="{length}"><time datetime="{local.isoformat()}">'
            f'{local:%H:%M}</time></span>'
        )
    else:
        when = f'<span class="track-duration">{length}</span>'
    return (
        f'<li class="{classes}"\n'
        f'    data-track-id="{pk}" data-album-url="{album_url}" data-artist-url="{artist_url}"\n'
        f"    {extra}>\n"
        f'  <span class="track-index">\n'
        f'    <span class="track-number">{shown_number}</span>\n'
        f'    <button type="button" class="track-play" aria-label="Play {title}"{disabled}\n'
        f'            data-track-id="{pk}" data-album-id="{track.album_id}"><span class="when-paused">'
        f'{icons.play}</span><span class="when-playing">{icons.pause}</span></button>\n'
        f"  </span>\n"
        f'  <span class="track-main">\n'
        f"    {cover}\n"
        f'    <span class="track-text">\n'
        f'      <a class="track-title" href="{urls.track.format(pk)}">{title}</a>\n'
        f"      {artist}\n"
        f"      {reason_html}\n"
        f"      {badge}\n"
        f"    </span>\n"
        f"  </span>\n"
        f"  {album}\n"
        f'  <span class="track-actions">\n'
        f'    <button type="button" class="icon-button like-button"\n'
        f'  aria-pressed="false" aria-label="Like {title}" title="Save to your likes"\n'
        f'  data-like-kind="track" data-like-id="{pk}">{icons.heart}</button>\n'
        '    <button type="button" class="icon-button track-more" aria-haspopup="menu" '
        'aria-expanded="false"\n'
        f'            aria-label="More options for {title}" data-menu="track">{icons.more}</button>\n'
        f"  </span>\n"
        f"  {when}\n"
        f"</li>\n"
    )


def _unmatched_row(listen, icons: _Icons) -> str:
    """Return the row of a listen that matched nothing in the library (plain text, no actions)."""
    track_name, artist_name, release = listen.track_name, listen.artist_name, listen.release_name
    local = timezone.localtime(listen.listened_at)
    return (
        '<li class="track-row is-unmatched">\n'
        f'  <span class="track-index" aria-hidden="true">{icons.note}</span>\n'
        '  <span class="track-main">\n'
        f'    <span class="cover cover-xs" style="--hue: {hue(release or track_name)}">'
        f'<span class="cover-initials" aria-hidden="true">{escape(initials(track_name))}</span></span>\n'
        '    <span class="track-text">\n'
        f'      <span class="track-title">{escape(track_name or "Unknown track")}</span>\n'
        f'      <span class="track-artist">{escape(artist_name or "Unknown artist")}</span>\n'
        "    </span>\n"
        "  </span>\n"
        f'  <span class="track-album">{escape(release)}</span>\n'
        '  <span class="track-actions"><span class="track-badge" title="This listen matched nothing in the '
        'library">Not in library</span></span>\n'
        f'  <span class="track-duration track-when"><time datetime="{local.isoformat()}">{local:%H:%M}</time>'
        "</span>\n"
        "</li>\n"
    )


def _flag(value) -> bool:
    return bool(value) and value != ""


@register.simple_tag
def track_row(track, **options) -> SafeString:
    """Render one track row; the options are those of track_row.html (number, show_cover, ...)."""
    options = _options(options)
    options["number"] = options.get("number") or ""
    return mark_safe(_row(track, urls=_Urls(), icons=_Icons(), **options))


def _options(options: dict) -> dict:
    # Variables a template leaves undefined arrive as "": treat them as absent.
    cleaned = {name: (None if value == "" else value) for name, value in options.items()}
    for name in ("show_cover", "show_album", "can_edit"):
        if name in cleaned:
            cleaned[name] = _flag(cleaned[name])
    return cleaned


@register.simple_tag
def track_rows(
    tracks: Iterable,
    *,
    numbers: str = "counter",
    start: int = 1,
    show_cover=False,
    show_album=False,
    album_artist_id=None,
    current_id=None,
) -> SafeString:
    """Render a row per track, numbered from `start` ("counter"), or by track number ("track")."""
    urls, icons = _Urls(), _Icons()
    options = _options(
        {
            "show_cover": show_cover,
            "show_album": show_album,
            "album_artist_id": album_artist_id,
            "current_id": current_id,
        }
    )
    rows = []
    for counter, track in enumerate(tracks, start=int(start)):
        number = (track.track_number or counter) if numbers == "track" else counter
        rows.append(_row(track, urls=urls, icons=icons, number=number, **options))
    return mark_safe("".join(rows))


def _with_reason(track, note: str):
    """The entry's track, carrying the entry's note as its reason (a generated playlist's "why")."""
    if note:
        track.reason = note
    return track


@register.simple_tag
def playlist_rows(items: Iterable, *, can_edit=False) -> SafeString:
    """Render a playlist's entries (listening's playlist_items: PlaylistTrack rows or packed entries,
    with their track loaded), numbered from 1."""
    urls, icons = _Urls(), _Icons()
    rows = [
        _row(
            _with_reason(item.track, item.note),
            urls=urls,
            icons=icons,
            number=counter,
            show_cover=True,
            show_album=True,
            item_id=item.pk,
            can_edit=_flag(can_edit),
        )
        for counter, item in enumerate(items, start=1)
    ]
    return mark_safe("".join(rows))


@register.simple_tag
def history_rows(listens: Iterable) -> SafeString:
    """Render listens with the time they were played, in the active time zone ({% timezone %})."""
    urls, icons = _Urls(), _Icons()
    rows = []
    for listen in listens:
        track = listen.track
        if track is None:
            rows.append(_unmatched_row(listen, icons))
        else:
            rows.append(
                _row(
                    track,
                    urls=urls,
                    icons=icons,
                    show_cover=True,
                    show_album=True,
                    played_at=listen.listened_at,
                )
            )
    return mark_safe("".join(rows))
