"""Recommend in the Django admin: the runs (read-only, with "rebuild now"), the lock, thumbs-down and
taste picks. The 03:00 schedule is django-celery-beat's PeriodicTask "Recommend: nightly rebuild"."""

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from . import packed, tasks
from .models import RecommendationList, RecommendationRun, RunLock, TastePick, TrackDislike
from .services import workflow


def _queue_rebuild(request) -> RecommendationRun | None:
    """Queue a rebuild, or tell staff why none can start now (rather than queue one that fails)."""
    blocker = workflow.rebuild_blocker()
    if blocker is not None:
        messages.error(request, f"No rebuild was queued. {blocker}")
        return None
    run = tasks.rebuild_queue(trigger=RecommendationRun.Trigger.MANUAL)
    messages.success(request, f"Run {run.pk} queued: a worker will train and rebuild every listener's lists.")
    return run


@admin.register(RecommendationRun)
class RecommendationRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "trigger",
        "created_at",
        "duration",
        "listeners",
        "tracks",
        "playlists",
        "model_name",
        "ndcg",
    )
    list_filter = ("status", "trigger")
    date_hierarchy = "created_at"

    class Media:
        css = {"all": ("streamapp/css/admin.css",)}  # wide tables scroll sideways on a phone

    actions = ["rebuild_now"]
    fields = (
        "status",
        "trigger",
        "model_name",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "listeners",
        "tracks",
        "playlists",
        "timings",
        "model_selection",
        "figures",
        "error",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="duration")
    def duration(self, run):
        seconds = run.duration_seconds
        return "—" if seconds is None else f"{seconds:.1f} s"

    @admin.display(description="NDCG@10")
    def ndcg(self, run):
        value = (run.metrics or {}).get("ndcg@10")
        return "—" if value is None else f"{value:.3f}"

    @admin.display(description="time per stage")
    def timings(self, run):
        rows = ((stage, f"{seconds:.2f} s") for stage, seconds in run.timings_in_order())
        return format_html(
            '<div class="admin-scroll"><table>{}</table></div>',
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="model selection")
    def model_selection(self, run):
        """The chosen model, why, and the validation figures of every setting tried beside popularity."""
        selection = run.selection or {}
        if not selection:
            return "—"
        chosen = selection.get("chosen") or {}
        summary = format_html(
            "<p><strong>{}</strong>: {}</p>", chosen.get("name", "—"), selection.get("reason", "")
        )
        if selection.get("status") != "selected":
            return summary
        facts = format_html(
            "<p>{} listeners sampled, {} with held-out plays (the most recent {} of each one's plays); "
            "{} in {} s of a {} s budget ({}); {}.</p>",
            selection.get("listeners", "—"),
            selection.get("evaluated", "—"),
            _share(selection),
            "warm-started from the previous choice" if selection.get("warm_start") else "cold start",
            selection.get("seconds", "—"),
            selection.get("budget_seconds", "—"),
            selection.get("budget_source", ""),
            "settings fitted on everything: "
            + "; ".join(
                f"{name} {_params_text(params)}"
                for name, params in (selection.get("fitted_components") or {}).items()
            ),
        )
        metrics = ("ndcg@10", "recall@10", "hr@10", "recall@50")
        popularity = selection.get("popularity") or {}
        rows = [("popularity", "", *(_figure(popularity.get(m)) for m in metrics), "")]
        for trial in selection.get("trials", []):
            rows.append(
                (
                    trial.get("model", ""),
                    _params_text(trial.get("params") or {}),
                    *(_figure(trial.get(m)) for m in metrics),
                    f"{trial.get('seconds', 0):.2f} s",
                )
            )
        titles = ("model", "settings", "NDCG@10", "Recall@10", "HR@10", "Recall@50", "fit + score")
        header = format_html_join("", "<th>{}</th>", ((title,) for title in titles))
        table = format_html(
            '<div class="admin-scroll"><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>',
            header,
            format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", rows),
        )
        return format_html("{}{}{}", summary, facts, table)

    @admin.display(description="evaluation")
    def figures(self, run):
        metrics = run.metrics or {}
        if not metrics:
            return "—"
        names = [
            n
            for n in metrics
            if not n.startswith("popularity_") and n not in ("users", "evaluated_users", "held_out_share")
        ]
        rows = ((name, metrics[name], metrics.get(f"popularity_{name}", "—")) for name in names)
        return format_html(
            "<p>The chosen model on the selection's validation split: {} listeners sampled, {} with "
            "held-out plays (the most recent {} of each one's plays).</p>"
            '<div class="admin-scroll"><table><thead><tr><th>metric</th><th>model</th>'
            "<th>popularity</th></tr></thead>{}</table></div>",
            metrics.get("users", "—"),
            metrics.get("evaluated_users", "—"),
            _share(metrics),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.action(description="Rebuild now (queue a new run)")
    def rebuild_now(self, request, queryset):
        _queue_rebuild(request)

    def get_urls(self):
        urls = [
            path(
                "rebuild/",
                self.admin_site.admin_view(self.rebuild_view),
                name="recommend_recommendationrun_rebuild",
            )
        ]
        return urls + super().get_urls()

    def rebuild_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        _queue_rebuild(request)
        return HttpResponseRedirect(reverse("admin:recommend_recommendationrun_changelist"))


def _params_text(params: dict) -> str:
    if "weights" in params and isinstance(params["weights"], dict):
        params = params["weights"]
    return ", ".join(
        f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}" for key, value in params.items()
    )


def _share(record: dict) -> str:
    """The held-out share of a run's validation split, e.g. "10%" (runs before it was recorded: 20%)."""
    share = record.get("held_out_share", 0.2)
    return f"{share:.0%}" if isinstance(share, int | float) and 0 < share < 1 else "—"


def _figure(value) -> str:
    return "—" if value is None else f"{value:.4f}"


@admin.register(RunLock)
class RunLockAdmin(admin.ModelAdmin):
    """Read-only; deleting a lock frees it for a new run (a run that is really running loses it).
    A lock past ``expires_at`` (no heartbeat for STREAMAPP_RECOMMEND_STALE_SECONDS) is dead."""

    list_display = ("name", "run", "acquired_at", "heartbeat_at", "expires_at")
    readonly_fields = ("name", "run", "token", "acquired_at", "heartbeat_at", "expires_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RecommendationList)
class RecommendationListAdmin(admin.ModelAdmin):
    """A listener's recommendations, one row each (read-only): the entries decoded on the detail page."""

    list_display = ("user", "entry_count", "run")
    list_select_related = ("user", "run")
    search_fields = ("user__username",)
    fields = ("user", "run", "entries")
    readonly_fields = ("user", "run", "entries")

    class Media:
        css = {"all": ("streamapp/css/admin.css",)}  # wide tables scroll sideways on a phone

    @admin.display(description="entries")
    def entry_count(self, obj) -> int:
        return obj.size

    @admin.display(description="recommendations, best first")
    def entries(self, obj):
        """The ranked entries as a table: track and seed track ids, score, reason (no query per entry)."""
        rows = packed.recommendation_entries(obj.items, obj.reasons)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.rank, e.track_id, f"{e.score:.4f}", e.seed_track_id or "", e.reason) for e in rows),
        )
        return format_html(
            '<div class="admin-scroll"><table><thead><tr><th>rank</th><th>track id</th><th>score</th>'
            "<th>seed track id</th><th>reason</th></tr></thead><tbody>{}</tbody></table></div>",
            body,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrackDislike)
class TrackDislikeAdmin(admin.ModelAdmin):
    list_display = ("user", "track", "created_at")
    list_select_related = ("user", "track")
    raw_id_fields = ("user", "track")
    search_fields = ("user__username",)


@admin.register(TastePick)
class TastePickAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    filter_horizontal = ("genres",)
    autocomplete_fields = ("artists",)
