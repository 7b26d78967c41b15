"""Signals that catalog sends to the apps built on it (catalog must not import them).

``library_changed`` is sent by ``services.library_import`` after an import that added or changed
tracks, once its rows are committed, with ``summary`` (the ImportSummary). A receiver may return a
short line (e.g. "12 earlier listens linked to the new tracks"), which the import adds to its report;
a receiver that raises is logged and does not fail the import.
"""

from django.dispatch import Signal

library_changed = Signal()
