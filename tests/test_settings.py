"""Settings: the production mode refuses to start without a real secret, and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k8Jd0-v3Qx9!pLz7rT2mWc5yHn4bGf6sAe1uXo0iKq8jZ3wVd-Rr5t"


def run_manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "streamapp.settings.production"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="music.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_production_refuses_an_insecure_secret_key():
    result = run_manage("check", SECRET_KEY="django-insecure-short", ALLOWED_HOSTS="music.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_production_check_deploy_is_clean():
    result = run_manage(
        "check", "--deploy", "--fail-level", "DEBUG", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="music.example.org"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_cache_key_prefix_changes_with_the_migrations(settings):
    from streamapp.settings import base

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    assert prefix.startswith("streamapp-") and len(prefix) == len("streamapp-") + 12
    assert "recommend/migrations/0001_initial.py" in base._MIGRATIONS
    assert "listening/migrations/0003_playlist_entry_note.py" in base._MIGRATIONS
