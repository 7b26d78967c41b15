"""``manage.py import_library PATH``: import a folder of audio files into the catalog."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog import services
from streamapp.progress import command_progress


class Command(BaseCommand):
    help = (
        "Import the audio files under PATH (MP3, FLAC, Ogg Vorbis / Opus, M4A, WAV) into the catalog. "
        "Running it again applies only what changed; files gone from PATH are marked unavailable."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a folder on this server")
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(self, *args, path: str, no_progress: bool = False, **options):
        try:
            root = services.library_path_validate(path=path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        library_import = services.library_import_create(path=str(root))

        with command_progress(self.stderr, desc="Importing", unit=" files", disable=no_progress) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                summary = services.library_import(root=root, library_import=library_import, progress=progress)
            except services.ImportAlreadyRunning as error:
                services.library_import_fail(library_import=library_import, message=str(error))
                raise CommandError(str(error)) from None

        for error in summary.errors:
            self.stderr.write(f"{error['path']}: {error['reason']}")
        self.stdout.write(f"Imported {root}: {summary.line}")
