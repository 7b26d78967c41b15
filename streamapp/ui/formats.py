"""Formats every page shares: durations, generated cover colours, initials, bitrates, greetings."""

import datetime
import zlib
import zoneinfo

from django.core.files.storage import default_storage
from django.utils import timezone

from .registry import register


@register.filter
def duration(ms) -> str:
    """Format milliseconds as m:ss, or h:mm:ss from an hour on (3:07, 1:02:45)."""
    try:
        seconds = round(int(ms) / 1000)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def duration_words(ms) -> str:
    """Format milliseconds as words, the way album headers show a running time (1 hr 5 min, 42 min 7 sec)."""
    try:
        seconds = round(int(ms) / 1000)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} hr {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} sec"
    return f"{seconds} sec"


@register.filter
def initials(name) -> str:
    """Return up to two initials of a name, for covers and pictures that have no image."""
    words = [word for word in str(name or "").replace("-", " ").split() if word[:1].isalnum()]
    if words and words[0].casefold() == "the" and len(words) > 1:
        words = words[1:]
    letters = "".join(word[0] for word in words[:2]).upper()
    return letters or "♪"


# Well-spaced hues that look good at the saturation the covers and tiles use (few greens and yellows,
# which turn garish there).
HUES = (4, 18, 32, 45, 160, 176, 192, 206, 220, 234, 250, 264, 280, 296, 314, 332)


@register.filter
def hue(value) -> int:
    """Return a stable hue for a name, so a generated cover or a tile keeps its colour between visits."""
    return HUES[zlib.crc32(str(value or "").encode()) % len(HUES)]


@register.filter
def media_url(name) -> str:
    """Return the URL of a file in media storage from its name, or "" for no file."""
    return default_storage.url(str(name)) if name else ""


@register.filter
def kbps(bits_per_second) -> str:
    """Format a bitrate in bit/s as kbps."""
    return f"{round(bits_per_second / 1000)} kbps" if bits_per_second else ""


@register.simple_tag
def greeting(user, now: datetime.datetime | None = None) -> str:
    """Return "Good morning/afternoon/evening" for the time of day in the user's own time zone."""
    try:
        zone = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    hour = timezone.localtime(now or timezone.now(), zone).hour
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"
