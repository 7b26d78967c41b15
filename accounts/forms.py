"""Sign-up and profile forms for the custom user model, and the upload of a listening history."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.template.defaultfilters import filesizeformat

from listening import services as listening_services
from listening.models import HistoryImport

from .models import time_zone_choices


class SignupForm(UserCreationForm):
    """Create a listener: username, optional email, password twice, and the time zone stats use."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        help_text="Your history and stats are shown in this time zone.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email", "time_zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = "Optional."
        if not self.is_bound:
            # static/streamapp/js/app.js preselects the browser's time zone on a fresh form.
            self.fields["time_zone"].widget.attrs["data-guess"] = "browser"


class ProfileForm(forms.ModelForm):
    """Change the email address and the time zone of the logged-in user."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices, help_text="Your history and stats are shown in this time zone."
    )

    class Meta:
        model = get_user_model()
        fields = ("email", "time_zone")


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
            problem = listening_services.history_import_check_file(
                format=format, stream=upload, name=upload.name
            )
            upload.seek(0)
            if problem:
                self.add_error("files", f"{upload.name}: {problem}")
        return cleaned_data
