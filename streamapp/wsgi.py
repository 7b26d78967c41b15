"""WSGI entry point (gunicorn streamapp.wsgi): a web process, whose SQL statements are bounded."""

import os

from django.core.wsgi import get_wsgi_application

from streamapp import db

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.production")
db.mark_web_process()

application = get_wsgi_application()
