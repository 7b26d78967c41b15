"""``manage.py measure_loudness``: measure the loudness of the library's files that have none yet."""

from django.core.management.base import BaseCommand, CommandError

from catalog import services
from streamapp.progress import command_progress


class Command(BaseCommand):
    help = (
        "Measure the EBU R128 loudness and true peak of the audio files not measured yet (new files, and "
        "files whose content changed), with parallel ffmpeg processes, and the loudness of their albums. "
        "Running it again measures only what is still missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="measure at most this many files")
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(self, *args, limit: int | None = None, no_progress: bool = False, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number of files.")
        with command_progress(self.stderr, desc="Measuring", unit=" files", disable=no_progress) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                summary = services.loudness_measure_missing(limit=limit, progress=progress)
            except services.LoudnessAlreadyRunning as error:
                raise CommandError(str(error)) from None

        for error in summary.errors:
            self.stderr.write(f"{error['path']}: {error['reason']}")
        self.stdout.write(f"Loudness: {summary.line}")
