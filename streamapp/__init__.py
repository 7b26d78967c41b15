"""The streamapp project package: settings, URLs, the Celery app and shared bits."""

from .celery import app as celery_app

__all__ = ("celery_app",)
