"""The cold-start picker's form: a few genres and artists."""

from django import forms

from catalog.models import Artist, Genre

from .feedback import MAX_PICKED_ARTISTS, MAX_PICKED_GENRES


class TastePickForm(forms.Form):
    genres = forms.ModelMultipleChoiceField(queryset=Genre.objects.all(), required=False)
    artists = forms.ModelMultipleChoiceField(queryset=Artist.objects.all(), required=False)

    def clean(self):
        cleaned = super().clean()
        genres, artists = cleaned.get("genres") or [], cleaned.get("artists") or []
        if not self.errors and not genres and not artists:
            raise forms.ValidationError("Pick at least one genre or artist.")
        if len(genres) > MAX_PICKED_GENRES:
            self.add_error("genres", f"Pick at most {MAX_PICKED_GENRES} genres.")
        if len(artists) > MAX_PICKED_ARTISTS:
            self.add_error("artists", f"Pick at most {MAX_PICKED_ARTISTS} artists.")
        return cleaned
