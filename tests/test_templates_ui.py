"""Every app's templates share one UI library: they include their own partials or templates/ui/ ones,
and load `ui`, their own app's tag library or Django's, never another app's (docs/architecture.md)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
APPS = ("accounts", "catalog", "listening", "recommend", "analytics")
OWN_LIBRARIES = {
    "accounts": {"accounts_pages"},
    "catalog": {"catalog_pages"},
    "listening": {"listening_pages"},
}
DJANGO_LIBRARIES = {"static", "humanize", "tz", "i18n", "l10n", "cache"}
INCLUDE = re.compile(r'\{%\s*include\s+"([^"/]+)/')
LOAD = re.compile(r"\{%\s*load\s+([^%]+?)\s*%\}")


def _templates(app: str) -> list[Path]:
    return sorted((TEMPLATES / app).rglob("*.html"))


@pytest.mark.parametrize("app", APPS)
def test_app_templates_include_only_their_own_partials_or_the_ui_ones(app):
    crossing = [
        f"{path.relative_to(TEMPLATES)} includes {folder}/"
        for path in _templates(app)
        for folder in INCLUDE.findall(path.read_text())
        if folder not in {app, "ui", "icons"}
    ]
    assert crossing == []


@pytest.mark.parametrize("app", APPS)
def test_app_templates_load_only_ui_their_own_or_djangos_tag_libraries(app):
    allowed = {"ui"} | OWN_LIBRARIES.get(app, set()) | DJANGO_LIBRARIES
    crossing = [
        f"{path.relative_to(TEMPLATES)} loads {library}"
        for path in _templates(app)
        for libraries in LOAD.findall(path.read_text())
        for library in libraries.split()
        if library not in allowed
    ]
    assert crossing == []
