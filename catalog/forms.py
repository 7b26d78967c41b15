"""Forms of the catalog pages."""

from django import forms

QUERY_MAX_LENGTH = 200


class SearchForm(forms.Form):
    """The search box: a free-text query, trimmed; an over-long query is cut rather than refused."""

    q = forms.CharField(required=False, strip=True)

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:QUERY_MAX_LENGTH]

    @classmethod
    def query_from(cls, data) -> str:
        """Return the cleaned query of a GET request's data ("" when there is none)."""
        form = cls(data)
        return form.cleaned_data["q"] if form.is_valid() else ""
