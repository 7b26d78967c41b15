"""seed_demo step: build the analytics rollups at once, so a first `make run` has a quick staff dashboard.

Without rollups every dashboard page counts the whole history live (6-16 s a page on the demo) until the
first run after an import or the nightly one at 03:20.
"""

from django.conf import settings

from analytics import rollups, staff_activity


def rollup_step(run) -> None:
    """Bring the rollups up to date with the demo's history (skipped at --scale, where benchmarks time
    the rollups themselves), then warm the dashboard's caches when they are shared (Redis)."""
    if getattr(run, "scale", 1) > 1:
        run.notes.append("Analytics: run rollup_analytics to build the rollups at this scale.")
        return
    bar = run.progress("Rolling up analytics", 1, "step")
    try:
        # No lag: seed_demo's own inserts are committed, none is still open.
        summary = rollups.rollup_run(lag_seconds=0)
        if settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache":
            staff_activity.warm_staff_caches()
    finally:
        bar.update(1)
        bar.close()
    run.summary_parts.append(f"rollups of {summary.site_days:,} days")
