"""Private files live outside MEDIA_ROOT: only covers are public, `make run` serves nothing else under
/media/, and the checks fail when an operator points a private directory inside MEDIA_ROOT."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.subprocess_db import database_url

ROOT = Path(__file__).resolve().parent.parent

# Run under the local settings (`make run`): a logged-in listener asks /media/ for every kind of file.
PROBE = """
import json
from pathlib import Path
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from recommend.services import training

media = Path(settings.MEDIA_ROOT)
model = training.artifact_path(7)
files = {
    "cover": media / "covers" / "ab" / "abcdef.jpg",
    "model": model,
    "model_left_by_an_earlier_version": media / "var" / "recommend" / model.name,
    "demo_audio_left_by_an_earlier_version": media / "demo-library" / "Artist" / "01.mp3",
}
for path in files.values():
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"private plays")
client = Client(HTTP_HOST="localhost")
client.force_login(get_user_model().objects.get(username="listener"))
status = {}
for name, path in files.items():
    inside = path.relative_to(media) if media in path.parents else path.relative_to("/")
    url = "/media/" + inside.as_posix()
    status[name] = client.get(url).status_code
defaults = {
    name: str(getattr(settings, name))
    for name in ("STREAMAPP_RECOMMEND_DIR", "STREAMAPP_DEMO_LIBRARY_DIR", "STREAMAPP_UPLOAD_DIR")
}
print(json.dumps({"debug": settings.DEBUG, "media": str(media), "status": status, "defaults": defaults}))
"""


@pytest.mark.django_db(transaction=True)
def test_make_run_serves_covers_but_never_the_model_or_other_private_files(django_user_model, tmp_path):
    django_user_model.objects.create_user(username="listener", password="x-pass-123")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STREAMAPP_") and k not in {"MEDIA_ROOT", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="streamapp.settings.local",
        DATABASE_URL=database_url(),
        STREAMAPP_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "var" / "media"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["debug"] is True
    media = Path(probe["media"])
    for name, value in probe["defaults"].items():
        assert media not in Path(value).parents, f"{name} defaults to {value}, under MEDIA_ROOT"
        assert Path(value).is_relative_to(tmp_path / "var")
    assert probe["status"] == {
        "cover": 200,
        "model": 404,
        "model_left_by_an_earlier_version": 404,
        "demo_audio_left_by_an_earlier_version": 404,
    }


@pytest.mark.parametrize(
    "name",
    [
        "STREAMAPP_RECOMMEND_DIR",
        "STREAMAPP_UPLOAD_DIR",
        "STREAMAPP_DEMO_LIBRARY_DIR",
        "STREAMAPP_TRANSCODE_CACHE_DIR",
    ],
)
def test_a_private_directory_inside_media_root_fails_the_checks(settings, tmp_path, name):
    call_command("check")  # the defaults pass
    setattr(settings, name, Path(settings.MEDIA_ROOT) / "private-stuff")
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    assert "streamapp.E001" in str(error.value)
    assert f"{name} ({Path(settings.MEDIA_ROOT).resolve() / 'private-stuff'}) is inside MEDIA_ROOT" in str(
        error.value
    )


def test_media_root_above_the_private_files_fails_the_checks(settings):
    settings.MEDIA_ROOT = Path(settings.STREAMAPP_RECOMMEND_DIR).parent.parent
    with pytest.raises(SystemCheckError, match="STREAMAPP_RECOMMEND_DIR"):
        call_command("check")
