"""Forms of the listening pages: a playlist's details, inviting a collaborator, importing a file,
uploading a listening history."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from . import services
from .models import HistoryImport
from .playlist_formats import MAX_IMPORT_BYTES


class PlaylistForm(forms.Form):
    """Create a playlist, or rename / describe / publish one."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"placeholder": "My playlist"}))
    description = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add an optional description"}),
    )
    is_public = forms.BooleanField(
        required=False, label="Public", help_text="Anyone with the link can see and play it."
    )


class CollaboratorForm(forms.Form):
    """Invite another listener, by username, to add and reorder tracks."""

    username = forms.CharField(
        max_length=150, label="Username", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class PlaylistImportForm(forms.Form):
    """Upload an M3U / M3U8 or XSPF file to become a new playlist."""

    file = forms.FileField(
        label="Playlist file",
        help_text="M3U, M3U8 or XSPF, up to 5 MB. Entries are matched to the library by path, "
        "stream link, or artist and title.",
        widget=forms.ClearableFileInput(attrs={"accept": ".m3u,.m3u8,.xspf"}),
    )
    name = forms.CharField(max_length=200, required=False, help_text="Leave empty to use the file's name.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The playlist file is larger than 5 MB.")
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking one or more files; cleans to a list (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if not data:
            return [clean_one(None, initial)]  # raises "This field is required."
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)]


class HistoryImportForm(forms.Form):
    """Upload a listening-history export; each file is checked to be of the chosen format.

    too_large: the upload was refused before its files could be read (over
    STREAMAPP_HISTORY_UPLOAD_MAX_BYTES): that is the form's only error.
    """

    format = forms.ChoiceField(label="Exported from", choices=HistoryImport.Format.choices)
    files = MultipleFileField(label="Files")

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        if too_large:
            for field in self.fields.values():
                field.required = False
        self.fields["files"].help_text = (
            "Spotify: the extended streaming history zip (or its Streaming_History_Audio_*.json files) "
            "or the basic StreamingHistory*.json; ListenBrainz: the export zip or a JSON-lines file; "
            f"Last.fm: a scrobbles CSV. Up to {filesizeformat(settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES)} "
            "in all. Importing a file again adds nothing."
        )

    def clean(self):
        cleaned_data = super().clean()
        if self.too_large:
            limit = filesizeformat(settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES)
            self.add_error("files", f"The upload is larger than {limit}, the most a history upload may be.")
            return cleaned_data
        files, format = cleaned_data.get("files"), cleaned_data.get("format")
        if not files or not format:
            return cleaned_data
        for upload in files:
            problem = services.history_import_check_file(format=format, stream=upload, name=upload.name)
            upload.seek(0)
            if problem:
                self.add_error("files", f"{upload.name}: {problem}")
        return cleaned_data
