"""The Celery application; configuration comes from Django settings prefixed CELERY_."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.local")

app = Celery("streamapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_folders(sender, **kwargs):
    """Create the folders of the serverless defaults (filesystem broker, file result backend)."""
    options = sender.conf.broker_transport_options or {}
    folders = [options.get("data_folder_in"), options.get("data_folder_out"), options.get("processed_folder"),
               options.get("control_folder")]
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        folders.append(backend.removeprefix("file://"))
    for folder in filter(None, folders):
        Path(folder).mkdir(parents=True, exist_ok=True)
