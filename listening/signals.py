"""Signals that listening sends to the apps built on it (listening must not import them).

``history_imported`` is sent once a history import that added listens is committed, with ``user``
and ``summary`` (the HistoryImportSummary). Analytics receives it to queue its rollups
(analytics/apps.py). A receiver that raises is logged and does not fail the import.
"""

from django.dispatch import Signal

history_imported = Signal()
