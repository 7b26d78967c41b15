"""Web workers start light: the heavy libraries the recommender uses are imported only when it runs."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "scipy", "sklearn", "joblib")

LOAD_THE_SITE = f"""
import sys
from django.urls import get_resolver
from streamapp.wsgi import application  # sets Django up, as a web worker does
get_resolver().url_patterns  # imports every view, serializer, selector and service they use
print(",".join(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_web_workers_start_without_pandas_scipy_sklearn_or_joblib():
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "streamapp.settings.test")
    result = subprocess.run(
        [sys.executable, "-c", LOAD_THE_SITE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at web start: {result.stdout.strip()}"
