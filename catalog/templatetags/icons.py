"""The `icon` tag: an inline SVG from templates/icons/, read once per process.

`{% icon "play" %}` writes exactly what `{% include "icons/play.svg" %}` did, without an include's cost
on every use (a page shell has some fifty icons, a tracklist four per row). With DEBUG on, icons are
read on each use, so an edited file shows at once.
"""

import functools

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _read(name: str) -> SafeString:
    return mark_safe(get_template(f"icons/{name}.svg").render())  # noqa: S308 - our own files


_read_once = functools.cache(_read)


def icon_html(name: str) -> SafeString:
    """Return the markup of the icon templates/icons/<name>.svg (TemplateDoesNotExist if there is none)."""
    return _read(name) if settings.DEBUG else _read_once(name)


@register.simple_tag
def icon(name: str) -> SafeString:
    """Write an icon's inline SVG: {% icon "play" %}."""
    return icon_html(name)
