"""seed_demo step: build the demo listeners' mixes at once, so a first `make run` shows them.

Without it, Discover, the Daily Mixes and the recommendation shelves would appear only after the first
nightly run at 03:00.
"""

from listening.models import Listen
from recommend.services import lock, workflow


def rebuild_step(run) -> None:
    """Run the nightly rebuild now when the demo has listeners with history (skipped otherwise, and at
    --scale, where benchmarks build and time it themselves)."""
    if not Listen.objects.filter(track__isnull=False).exists():
        return
    if getattr(run, "scale", 1) > 1:  # a benchmark's catalog: its own script times the rebuild
        run.notes.append("Recommendations: run rebuild_recommendations to build the mixes at this scale.")
        return
    bar = run.progress("Building recommendations", 1, "step")
    try:
        result = workflow.run_sync(progress=lambda stage, done, total: None, trigger="command")
    except lock.LockHeld:
        run.notes.append("Recommendations: a rebuild is already running; the demo's mixes come from it.")
        return
    except Exception as error:  # the demo is usable without mixes; the run's row keeps the traceback
        run.notes.append(f"Recommendations: the rebuild failed ({error}); run rebuild_recommendations.")
        return
    finally:
        bar.update(1)
        bar.close()
    if result.status == result.Status.SUCCEEDED:
        run.summary_parts.append(f"mixes for {result.listeners:,} listeners")
    else:
        run.notes.append(f"Recommendations: the rebuild failed ({result.error.splitlines()[0]})")
