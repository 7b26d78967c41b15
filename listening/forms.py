"""Forms of the listening pages: a playlist's details, inviting a collaborator, importing a file."""

from django import forms

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
    name = forms.CharField(
        max_length=200, required=False, help_text="Leave empty to use the file's name."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The playlist file is larger than 5 MB.")
        return upload
