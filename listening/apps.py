from django.apps import AppConfig

from catalog.signals import library_changed


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        # Imported here: the shelves and the receivers import models, which need the app registry.
        from catalog import shelves

        from . import shelves as listening_shelves

        shelves.register("recently-played", order=10)(listening_shelves.recently_played)
        # Recommend's shelves change with the same version: it calls listener_changed() too.
        shelves.register_version("listener", listening_shelves.version)

        from .receivers import link_listens_after_library_change

        library_changed.connect(link_listens_after_library_change, dispatch_uid="listening-link-unmatched")
