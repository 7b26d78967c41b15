"""Hot lookups whose SQL is the ORM's own, compiled once per database.

Compiling a query (resolving lookups, joins, the select list) costs more CPU than running a small one: on
the Subsonic API, which reads the caller and their saved queue on every call, it was half of a `ping`.
A CompiledQuery builds its queryset once per database alias, with a sentinel standing for each
parameter, keeps the SQL, and runs it as a raw query with the call's values. Raw queries still apply the
database's converters (dates on SQLite, JSON fields), and extra columns (annotations) become attributes.

Use it only for a lookup that runs on nearly every request; everything else stays plain ORM.
"""

from collections.abc import Callable
from typing import Any

from django.db import router
from django.db.models import QuerySet


class CompiledQuery:
    """`build(**sentinels)` returns the queryset, each parameter's sentinel in place of its value.

    Each sentinel must be a value no call sends (a string with a NUL, a negative id) and must reach the
    SQL as one parameter of its own, unchanged (an exact lookup does).
    """

    def __init__(self, build: Callable[..., QuerySet], **sentinels: Any):
        self.build, self.sentinels = build, sentinels
        self._model = None  # known at the first call (the app registry is ready by then)
        self._compiled: dict[str, tuple[str, tuple]] = {}

    @property
    def model(self):
        if self._model is None:
            self._model = self.build(**self.sentinels).model
        return self._model

    def _sql(self, alias: str) -> tuple[str, tuple]:
        if alias not in self._compiled:
            queryset = self.build(**self.sentinels).using(alias)
            sql, params = queryset.query.get_compiler(alias).as_sql()
            names = {repr(value): name for name, value in self.sentinels.items()}
            slots = tuple(_Slot(names[repr(p)]) if repr(p) in names else p for p in params)
            missing = set(self.sentinels) - {slot.name for slot in slots if isinstance(slot, _Slot)}
            if missing:
                raise ValueError(f"parameters not found in the compiled query: {sorted(missing)}")
            self._compiled[alias] = (sql, slots)
        return self._compiled[alias]

    def fetch(self, **values: Any) -> list:
        """Run the query with these values; return its model instances."""
        alias = router.db_for_read(self.model)
        sql, slots = self._sql(alias)
        params = [values[slot.name] if isinstance(slot, _Slot) else slot for slot in slots]
        return list(self.model._default_manager.db_manager(alias).raw(sql, params))


class _Slot:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name
