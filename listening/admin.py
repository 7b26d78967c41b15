"""Listening in the Django admin: history imports (read-only records of what each import did) and the
files ffmpeg could not transcode."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import HistoryImport, TranscodeFailure


@admin.register(HistoryImport)
class HistoryImportAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "format",
        "file_name",
        "status",
        "imported",
        "duplicates",
        "skipped",
        "unmatched",
        "failed",
        "created_at",
    )
    list_filter = ("status", "format")
    list_select_related = ("user",)
    search_fields = ("user__username", "file_name")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("user", "format", "file_name", "status", "message")}),
        (
            "Progress",
            {"fields": ("progress_done", "progress_total", "created_at", "started_at", "finished_at")},
        ),
        ("Records", {"fields": ("imported", "duplicates", "skipped", "unmatched", "failed")}),
        ("Records that could not be read", {"fields": ("error_list",)}),
    )
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]

    # An import is a record of what happened: started from the profile page or the command, never here.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Records that could not be read")
    def error_list(self, obj: HistoryImport) -> str:
        if not obj.errors:
            return "-"
        items = ((error["position"], error["reason"]) for error in obj.errors)
        return format_html("<ul>{}</ul>", format_html_join("", "<li><code>{}</code>: {}</li>", items))


@admin.register(TranscodeFailure)
class TranscodeFailureAdmin(admin.ModelAdmin):
    """The files ffmpeg could not transcode (the last failure of each): a record, read-only."""

    list_display = ("audio_file", "track", "stream_format", "bitrate_kbps", "message", "count", "last_at")
    list_select_related = ("audio_file", "track")
    search_fields = ("audio_file__path", "message")
    date_hierarchy = "last_at"
    fields = ("audio_file", "track", "stream_format", "bitrate_kbps", "message", "stderr", "count")
    fields += ("first_at", "last_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
