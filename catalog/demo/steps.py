"""Demo steps that apps further down the dependency chain add to seed_demo.

Steps are registered by dotted path from an AppConfig.ready() and imported only when seed_demo runs,
so registering costs a web process nothing.
"""

from collections.abc import Callable

from django.utils.module_loading import import_string

_registered: list[str] = []


def register(dotted_path: str) -> None:
    """Run the function at dotted_path (taking the DemoRun) after the catalog's own demo steps."""
    if dotted_path not in _registered:
        _registered.append(dotted_path)


def extra_steps() -> list[Callable]:
    """Return the registered steps, imported, in registration order."""
    return [import_string(path) for path in _registered]
