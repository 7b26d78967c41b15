"""System checks of the project's files: only covers may live under MEDIA_ROOT, which is served."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error


def _private_paths() -> dict[str, tuple[Path, str]]:
    paths = {
        "STREAMAPP_RECOMMEND_DIR": (
            settings.STREAMAPP_RECOMMEND_DIR,
            "the trained recommendation model, with every listener's plays and thumbs-down",
        ),
        "STREAMAPP_UPLOAD_DIR": (settings.STREAMAPP_UPLOAD_DIR, "listeners' uploaded listening histories"),
        "STREAMAPP_DEMO_LIBRARY_DIR": (
            settings.STREAMAPP_DEMO_LIBRARY_DIR,
            "the demo library's audio, which only /stream/ may serve, to listeners who are logged in",
        ),
        "STREAMAPP_TRANSCODE_CACHE_DIR": (
            settings.STREAMAPP_TRANSCODE_CACHE_DIR,
            "transcoded audio, which only /stream/ may serve, to listeners who are logged in",
        ),
    }
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        paths["DATABASES['default']['NAME']"] = (database["NAME"], "the SQLite database")
    return {name: (Path(value).resolve(), what) for name, (value, what) in paths.items()}


def private_files_check(app_configs=None, **kwargs) -> list[Error]:
    """Fail when a private directory (the trained model, uploads, the demo audio, transcodes, the
    SQLite database) is inside MEDIA_ROOT, which the web server (and `make run`) serves to anyone."""
    media = Path(settings.MEDIA_ROOT).resolve()
    return [
        Error(
            f"{name} ({path}) is inside MEDIA_ROOT ({media}), which is served as public media: "
            f"it holds {what}.",
            hint="Point it outside MEDIA_ROOT (by default private files live under STREAMAPP_VAR_DIR).",
            obj=name,
            id="streamapp.E001",
        )
        for name, (path, what) in _private_paths().items()
        if path == media or media in path.parents
    ]
