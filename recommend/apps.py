from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "recommend"
    verbose_name = "Recommend"

    def ready(self) -> None:
        # Imported here: the shelves import models, which need the app registry.
        from catalog import shelves

        from . import shelves as recommend_shelves

        shelves.register("recommend", order=20)(recommend_shelves.home)
        shelves.register_section("artist", "similar-artists", order=10)(recommend_shelves.similar_artists)
        shelves.register_section("track", "similar-tracks", order=10)(recommend_shelves.similar_tracks)
