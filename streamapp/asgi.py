"""ASGI entry point: a web process, whose SQL statements are bounded."""

import os

from django.core.asgi import get_asgi_application

from streamapp import db

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.production")
db.mark_web_process()

application = get_asgi_application()
