"""``manage.py import_history --user NAME --format spotify|listenbrainz|lastfm FILE...``"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from listening import services
from listening.models import HistoryImport
from streamapp.progress import CommandStream, command_progress


class Command(BaseCommand):
    help = (
        "Import a listening history into a user's listens: Spotify's streaming history (JSON files or "
        "its zip), a ListenBrainz export (zip, JSON lines or JSON array) or Last.fm scrobbles (CSV). "
        "Importing the same files again adds nothing; records that cannot be read are listed and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="export files on this server")
        parser.add_argument("--user", required=True, help="the username whose history it is")
        parser.add_argument("--format", required=True, choices=HistoryImport.Format.values)
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(self, *args, files: list[str], user: str, format: str, no_progress: bool = False, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named {user!r}.")
        checked = [(self._checked(file, format), file) for file in files]
        history_import = services.history_import_create(user=owner, format=format, files=checked)
        stream = CommandStream(self.stderr)

        with command_progress(stream, desc="Importing", unit=" records", disable=no_progress) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            def on_error(problem) -> None:
                tqdm.write(f"{problem.position}: {problem.reason}", file=stream)

            summary = services.history_import_run(
                history_import=history_import, progress=progress, on_error=on_error
            )
        if history_import.status == HistoryImport.Status.FAILED:
            raise CommandError(history_import.message)
        if summary.stopped:
            self.stderr.write(summary.stopped)
        self.stdout.write(f"Imported history for {owner.get_username()}: {summary.line}")

    def _checked(self, file: str, format: str) -> Path:
        path = Path(file).expanduser()
        try:
            with open(path, "rb") as stream:
                problem = services.history_import_check_file(format=format, stream=stream, name=file)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file.") from None
        except IsADirectoryError:
            raise CommandError(f"{file}: a folder, not a file.") from None
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}.") from None
        if problem:
            raise CommandError(f"{file}: {problem}")
        return path.resolve()
