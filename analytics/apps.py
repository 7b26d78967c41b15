from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Imported here: the receivers import the tasks and models, which need the app registry.
        from listening.signals import history_imported

        from .receivers import queue_rollup_after_history_import

        history_imported.connect(
            queue_rollup_after_history_import, dispatch_uid="analytics-rollup-after-import"
        )
