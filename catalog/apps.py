from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from . import search  # imports the models, which need the app registry

        # The typo tier of search on SQLite calls pg_trgm's measures, computed in Python.
        connection_created.connect(search.register_sqlite_functions, dispatch_uid="catalog.search.sqlite")
