"""Every setting the apps read is declared in streamapp/settings/base.py with its default."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "catalog", "listening", "recommend", "analytics", "streamapp")


def _settings_read_with_a_default() -> set[str]:
    """Return the names read as getattr(settings, "NAME", default) anywhere in the apps."""
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr"
                    and len(node.args) == 3
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == "settings"
                    and isinstance(node.args[1], ast.Constant)
                ):
                    names.add(node.args[1].value)
    return names


def test_every_setting_read_with_getattr_is_declared_in_base():
    base = importlib.import_module("streamapp.settings.base")
    missing = sorted(name for name in _settings_read_with_a_default() if not hasattr(base, name))
    assert missing == []


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("STREAMAPP_QUEUE_MAX_LENGTH", 2000),
        ("STREAMAPP_LISTENBRAINZ_PUBLIC_READS", False),
        ("STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS", 120),
        ("STREAMAPP_LISTENBRAINZ_RATE_LIMIT", 300),
        ("STREAMAPP_LISTENBRAINZ_RATE_WINDOW", 10),
        ("STREAMAPP_RECOMMEND_PROCESSES", 0),
    ],
)
def test_settings_once_read_with_getattr_have_their_old_default_in_base(name, default):
    base = importlib.import_module("streamapp.settings.base")
    assert getattr(base, name) == default
