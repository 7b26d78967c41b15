"""`{% load ui %}`: icons, the page shell's `once`, formats, covers and cards, and tracklists."""

from . import cards, formats, icons, page_shell, tracklists  # noqa: F401 (each registers its tags on import)
from .registry import register

__all__ = ["register"]
