"""Receivers of the signals that the apps below analytics send (connected in apps.py)."""

from . import tasks


def queue_rollup_after_history_import(sender, **kwargs) -> None:
    """Queue the rollups once an imported history is committed (listening.signals.history_imported)."""
    tasks.rollup.delay()
