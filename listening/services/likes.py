"""Likes of tracks, albums and artists (idempotent set/unset); each change refreshes the cached likes."""

from catalog.models import Album, Artist, Track

from .. import selectors
from ..models import AlbumLike, ArtistLike, TrackLike


def track_like_set(*, user, track: Track, liked: bool) -> bool:
    """Like or unlike a track; return the new state. Repeating a call changes nothing."""
    if liked:
        TrackLike.objects.get_or_create(user=user, track=track)
    else:
        TrackLike.objects.filter(user=user, track=track).delete()
    selectors.likes_forget(user_id=user.pk)
    return liked


def album_like_set(*, user, album: Album, liked: bool) -> bool:
    """Like or unlike an album; return the new state."""
    if liked:
        AlbumLike.objects.get_or_create(user=user, album=album)
    else:
        AlbumLike.objects.filter(user=user, album=album).delete()
    selectors.likes_forget(user_id=user.pk)
    return liked


def artist_like_set(*, user, artist: Artist, liked: bool) -> bool:
    """Like or unlike an artist; return the new state."""
    if liked:
        ArtistLike.objects.get_or_create(user=user, artist=artist)
    else:
        ArtistLike.objects.filter(user=user, artist=artist).delete()
    selectors.likes_forget(user_id=user.pk)
    return liked
