"""The admin of library imports: start one on a server folder, then read its status, counts and errors.

catalog/admin.py imports this module so that it registers with the admin site.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import services
from .models import LibraryImport


class LibraryImportStartForm(forms.ModelForm):
    class Meta:
        model = LibraryImport
        fields = ["path"]
        labels = {"path": "Folder on the server"}
        help_texts = {
            "path": "For example /srv/music. The import runs in the background; its page shows the result."
        }

    def clean_path(self) -> str:
        try:
            return str(services.library_path_validate(path=self.cleaned_data["path"]))
        except ValidationError as error:
            raise ValidationError(error.messages) from None


@admin.register(LibraryImport)
class LibraryImportAdmin(admin.ModelAdmin):
    list_display = (
        "path",
        "status",
        "files_seen",
        "added",
        "updated",
        "unchanged",
        "removed",
        "failed",
        "created_by",
        "created_at",
        "duration",
    )
    list_filter = ("status",)
    search_fields = ("path",)
    actions = ["import_again"]
    view_fieldsets = (
        (
            None,
            {
                "fields": (
                    "path",
                    "status",
                    "message",
                    "created_by",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "duration",
                )
            },
        ),
        ("Files", {"fields": ("files_seen", "added", "updated", "unchanged", "removed", "failed")}),
        ("Files that could not be read", {"fields": ("error_list",)}),
    )

    # An import is a record of what happened: it is started, viewed and deleted, never edited.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LibraryImportStartForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("path",)}),)
        return self.view_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [name for _, options in self.view_fieldsets for name in options["fields"]]

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            "title": "Import a library folder",
        }
        return super().add_view(request, form_url, extra_context)

    def save_form(self, request, form, change):
        if change:  # pragma: no cover - imports cannot be changed
            return super().save_form(request, form, change)
        return services.library_import_start(path=form.cleaned_data["path"], user=request.user)

    def save_model(self, request, obj, form, change):
        """Do nothing: library_import_start() saved the row in save_form()."""

    def save_related(self, request, form, formsets, change):
        """Do nothing: an import has no related rows to save."""

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, f"The import of {obj.path} is queued. This page shows its result.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:catalog_libraryimport_change", args=[obj.pk]))

    @admin.action(description="Import the selected folders again", permissions=["add"])
    def import_again(self, request, queryset):
        started = 0
        for path in sorted(set(queryset.values_list("path", flat=True))):
            try:
                services.library_import_start(path=path, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"{path}: {' '.join(error.messages)}", messages.ERROR)
            else:
                started += 1
        if started:
            self.message_user(request, f"{started} import(s) queued.", messages.SUCCESS)

    @admin.display(description="Duration")
    def duration(self, obj: LibraryImport) -> str:
        if not (obj.started_at and obj.finished_at):
            return "-"
        seconds = round((obj.finished_at - obj.started_at).total_seconds())
        return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"

    @admin.display(description="Files that could not be read")
    def error_list(self, obj: LibraryImport) -> str:
        if not obj.errors:
            return "None"
        rows = format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            ((error.get("path", ""), error.get("reason", "")) for error in obj.errors),
        )
        return format_html(
            "<table><thead><tr><th>File</th><th>Reason</th></tr></thead><tbody>{}</tbody></table>", rows
        )
