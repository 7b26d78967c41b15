"""manage.py seed_demo: build the demo catalog (generated audio and covers) and the demo accounts."""

from django.core.management.base import BaseCommand, CommandError

from catalog import services
from demo import seed
from streamapp.progress import command_progress


class Command(BaseCommand):
    help = (
        "Generate the demo library (synthesised MP3s and covers, no downloads), import it, and create the "
        "accounts admin/admin (staff) and demo/demo. Refused in production mode."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=seed.DEFAULT_SEED,
            help="Names, music and covers follow from it (default %(default)s).",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply the catalog N times with bulk inserts sharing the demo's audio "
            "(for benchmarks; 200 gives about 200,000 tracks).",
        )
        parser.add_argument(
            "--listeners",
            type=int,
            default=300,
            help="Synthetic listeners with about 90 days of history each (default %(default)s; "
            "2,000 give about a million listens).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalog already has tracks."
        )

    def handle(self, *args, **options):
        if not seed.demo_allowed():
            raise CommandError(
                "seed_demo is refused in production mode: it creates admin/admin and demo/demo."
            )
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        if options["listeners"] < 0:
            raise CommandError("--listeners must be 0 or more.")
        if options["if_empty"] and not seed.demo_catalog_is_empty():
            self.stdout.write("The catalog already has tracks: the demo is not built.")
            return
        quiet = options["verbosity"] == 0

        def progress(description: str, total: int, unit: str):
            # tqdm stays silent when stderr is not a terminal (disable=None).
            return command_progress(
                self.stderr,
                total=total,
                desc=description,
                unit=unit,
                disable=True if quiet else None,
                dynamic_ncols=True,
            )

        try:
            summary = seed.demo_seed(
                seed=options["seed"],
                scale=options["scale"],
                listeners=options["listeners"],
                progress=progress,
            )
        except (seed.DemoNotAllowed, seed.DemoImportFailed, services.ImportAlreadyRunning) as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 1:
            for note in summary.notes:
                self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS(summary.line))
