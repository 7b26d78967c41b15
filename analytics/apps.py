from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from catalog.demo import steps as demo_steps

        demo_steps.register("analytics.demo.rollup_step")
