"""Sign-up and profile forms for the custom user model."""

import math

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminUserCreationForm as DjangoAdminUserCreationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserChangeForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError

from streamapp import ratelimit

from . import services
from .lockout import LockoutMessageMixin, client_address
from .models import CROSSFADE_MAX_SECONDS, Invitation, time_zone_choices
from .usernames import clean_username


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """Django's log-in form; a locked account or address is told so, and when to try again."""


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's log-in form, with the same lock message."""


class CleanUsernameMixin:
    """User names normalised (NFKC) and refused when they mix scripts or look like another (usernames.py)."""

    def clean_username(self):
        parent = getattr(super(), "clean_username", None)
        username = parent() if parent else self.cleaned_data.get("username")
        if self.instance.pk is not None and "username" not in self.changed_data:
            return username  # an unchanged name is left alone, whatever its neighbours
        return clean_username(username, exclude_pk=self.instance.pk)


class SignupForm(CleanUsernameMixin, UserCreationForm):
    """Create a listener: username, optional email, password twice, and the time zone stats use."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        help_text="Your history and stats are shown in this time zone.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email", "time_zone")

    def __init__(self, *args, invited_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = "Optional."
        if invited_email:  # an invitation tied to an address (services.signup_create_user checks it)
            self.fields["email"].initial = invited_email
            self.fields["email"].help_text = "Your invitation is for this address."
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


class AdminUserCreationForm(CleanUsernameMixin, DjangoAdminUserCreationForm):
    """The admin's "add user" form, with the same user-name rules as sign-up."""

    class Meta(DjangoAdminUserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)


class AdminUserChangeForm(CleanUsernameMixin, UserChangeForm):
    """The admin's user form, with the same user-name rules as sign-up."""

    class Meta(UserChangeForm.Meta):
        model = get_user_model()


REVOKE_HELP = (
    "Ends your sessions in other browsers, and deletes your API token and Subsonic password (your "
    "scrobblers and players then need the new ones)."
)


class PasswordChangeWithRevokeForm(PasswordChangeForm):
    """Django's change form (old password, new twice, the validators), with the revocation choice."""

    revoke = forms.BooleanField(
        label="Log out my other sessions and revoke my API tokens",
        required=False,
        initial=False,
        help_text=REVOKE_HELP,
    )


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's "forgot your password" form, bounded so that it can't be used to flood a mailbox or a mail
    server: requests per client address (STREAMAPP_PASSWORD_RESET_ADDRESS_LIMIT, a form error past it) and
    e-mails per account (STREAMAPP_PASSWORD_RESET_ACCOUNT_LIMIT, silently: the page says the same whether
    an e-mail went or not, so it never tells who has an account), per STREAMAPP_PASSWORD_RESET_WINDOW
    seconds, counted in a sliding window (streamapp.ratelimit)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def _hit(self, identity: str, limit: int) -> ratelimit.RateLimit:
        return ratelimit.rate_limit_hit(
            identity=identity,
            limit=limit,
            window=settings.STREAMAPP_PASSWORD_RESET_WINDOW,
            scope="password-reset",
        )

    def clean(self):
        cleaned = super().clean()
        if self.request is not None and not self.errors:
            standing = self._hit(
                f"address:{client_address(self.request)}", settings.STREAMAPP_PASSWORD_RESET_ADDRESS_LIMIT
            )
            if standing.exceeded:
                minutes = max(1, math.ceil((standing.reset_at - standing.now) / 60))
                raise ValidationError(
                    "Too many password reset requests from your address. "
                    f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                    code="throttled",
                )
        return cleaned

    def get_users(self, email):
        """The accounts an e-mail goes to: Django's (active, with a usable password), within their limit."""
        for user in super().get_users(email):
            if not self._hit(f"user:{user.pk}", settings.STREAMAPP_PASSWORD_RESET_ACCOUNT_LIMIT).exceeded:
                yield user


class PasswordResetWithRevokeForm(SetPasswordForm):
    """Django's reset form (new password twice, the validators), revoking by default."""

    revoke = forms.BooleanField(
        label="Log out my other sessions and revoke my API tokens",
        required=False,
        initial=True,
        help_text=REVOKE_HELP,
    )

    def save(self, commit=True):
        """Called by Django's PasswordResetConfirmView: the password and the revocation, in one service."""
        services.password_set(
            user=self.user, password=self.cleaned_data["new_password1"], revoke=self.cleaned_data["revoke"]
        )
        return self.user


class InvitationAdminForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("email", "expires_at")
