"""``manage.py rebuild_recommendations``: the nightly rebuild, synchronously in this process."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommend.models import RecommendationRun
from recommend.services import lock, workflow
from streamapp.progress import CommandStream, command_progress


class Command(BaseCommand):
    help = (
        "Train the recommender on every listener's history, write similar tracks and artists, and "
        "rebuild each listener's recommendations, Discover and Daily Mixes (the nightly Celery "
        "workflow, run here synchronously with the same services)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--users",
            nargs="+",
            metavar="USER",
            help="rebuild only these listeners (ids or usernames); the model still learns from everyone",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, users=None, no_progress=False, **options):
        user_ids = self._resolve(users) if users else None
        bars: dict[str, tqdm] = {}
        stream = CommandStream(self.stderr)

        def progress(stage: str, done: int, total: int) -> None:
            if no_progress:
                return
            bar = bars.get(stage)
            if bar is None:
                unit = " listeners" if stage == "generate" else " step"
                bar = bars[stage] = command_progress(stream, desc=stage.capitalize(), total=total, unit=unit)
            bar.total = total
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        try:
            run = workflow.run_sync(progress, user_ids=user_ids)
        except lock.LockHeld as error:
            raise CommandError(str(error)) from None
        finally:
            for bar in bars.values():
                bar.close()
        timings = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in run.timings_in_order())
        summary = (
            f"Run {run.pk} {run.status}: {run.listeners:,} listeners, {run.tracks:,} tracks, "
            f"{run.playlists:,} playlists in {run.duration_seconds or 0:.1f} s ({timings})"
        )
        if run.status != RecommendationRun.Status.SUCCEEDED:
            raise CommandError(f"{summary}. {run.error.splitlines()[0] if run.error else ''}".strip())
        self.stdout.write(summary)

    def _resolve(self, tokens: list[str]) -> list[int]:
        User = get_user_model()
        ids = {int(t) for t in tokens if t.isdigit()}
        names = {t for t in tokens if not t.isdigit()}
        found = dict(User.objects.filter(pk__in=ids).values_list("pk", "pk"))
        found_names = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        missing = sorted(str(i) for i in ids if i not in found) + sorted(
            n for n in names if n not in found_names
        )
        if missing:
            raise CommandError(f"--users: no such user: {', '.join(missing)}")
        return sorted(set(found) | set(found_names.values()))
