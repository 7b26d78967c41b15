from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from catalog.demo import steps as demo_steps

        demo_steps.register("analytics.demo.rollup_step")

        from listening.signals import history_imported

        from .receivers import queue_rollup_after_history_import

        history_imported.connect(
            queue_rollup_after_history_import, dispatch_uid="analytics-rollup-after-import"
        )
