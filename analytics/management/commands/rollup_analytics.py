"""``manage.py rollup_analytics [--full]``: bring the analytics rollups up to date."""

from django.core.management.base import BaseCommand

from analytics import rollups
from streamapp.progress import command_progress


class Command(BaseCommand):
    help = (
        "Recompute the daily rollups of listens and plays for the days that changed since the last run "
        "(site-wide and per listener). --full recomputes every day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="recompute every day, not only the changed ones"
        )
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="also recompute the days whose matched listens changed since (listens linked later)",
        )
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(
        self, *args, full: bool = False, reconcile: bool = False, no_progress: bool = False, **options
    ):
        with command_progress(self.stderr, desc="Rolling up", unit=" steps", disable=no_progress) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            summary = rollups.rollup_run(full=full, reconcile=reconcile, progress=progress)
        self.stdout.write(f"Rollups: {summary.line}")
