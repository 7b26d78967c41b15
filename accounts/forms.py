"""Sign-up and profile forms for the custom user model."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from .lockout import LockoutMessageMixin
from .models import CROSSFADE_MAX_SECONDS, time_zone_choices


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """Django's log-in form; a locked account or address is told so, and when to try again."""


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's log-in form, with the same lock message."""


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
    """Change the email address, the time zone and the web player's defaults of the logged-in user."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices, help_text="Your history and stats are shown in this time zone."
    )

    class Meta:
        model = get_user_model()
        fields = ("email", "time_zone", "stream_quality", "loudness_target", "crossfade_seconds")
        widgets = {
            "crossfade_seconds": forms.NumberInput(attrs={"min": 0, "max": CROSSFADE_MAX_SECONDS, "step": 1}),
        }
