from django import forms

from . import passwords


class SubsonicPasswordForm(forms.Form):
    password = forms.CharField(
        label="Choose a Subsonic password",
        min_length=passwords.MIN_LENGTH,
        max_length=passwords.MAX_LENGTH,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=f"{passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} characters. Not your log-in password: "
        "Subsonic clients may send it in the clear.",
    )
