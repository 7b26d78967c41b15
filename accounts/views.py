"""Account pages: sign-up, the profile and its password change. Log-in, log-out and the password reset
by e-mail are Django's own views (see urls.py).

Sign-up is open to visitors (@login_not_required) as far as STREAMAPP_SIGNUP allows; the profile needs a
logged-in user, like every page behind LoginRequiredMiddleware. The profile also holds the API token for
scrobblers, and links to the import of a listening history (a page of listening's: accounts imports no
app above it).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import PasswordChangeWithRevokeForm, ProfileForm, SignupForm, ThrottledPasswordResetForm
from .sso.oidc import oidc_enabled


def _safe_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return next_url


def _signup_form(request: HttpRequest, invitation) -> SignupForm:
    return SignupForm(request.POST or None, invited_email=invitation.email if invitation is not None else "")


class LoginView(auth_views.LoginView):
    """Django's log-in, offering single sign-on with OpenID Connect when it is configured."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if oidc_enabled():
            context["oidc_provider_name"] = settings.STREAMAPP_OIDC_PROVIDER_NAME
        return context


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot your password" page with its requests and e-mails bounded (the form); a request
    past the address's limit is answered 429 with the form and its error."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "throttled" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


@login_not_required
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, log it in and go on to `next` (or home); a logged-in user is sent on at once.

    STREAMAPP_SIGNUP decides who may: anyone (open), the holder of an invitation's link
    (`?invite=<token>`, invite), or nobody (closed: staff create accounts in the admin).
    """
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "catalog:home")
    token = request.POST.get("invite") or request.GET.get("invite") or ""
    invitation = services.invitation_usable(token=token)
    context = {"next": next_url, "invite": token, "invitation": invitation, "mode": settings.STREAMAPP_SIGNUP}
    if not services.signup_allowed(invitation=invitation):
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/signup.html", context, status=status)
    form = _signup_form(request, invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.signup_create_user(form=form, invitation=invitation)
        except services.InvitationUnusable as error:
            form.add_error("email" if invitation and invitation.email else None, str(error))
        else:
            login(request, user, backend="accounts.backends.CachedModelBackend")
            messages.success(request, f"Welcome to streamapp, {user.get_username()}!")
            return redirect(next_url or "catalog:home")
    return render(request, "accounts/signup.html", {**context, "form": form})


def _profile_page(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    password_form: PasswordChangeWithRevokeForm | None = None,
) -> HttpResponse:
    context = {
        "form": form or ProfileForm(instance=request.user),
        "password_form": password_form or PasswordChangeWithRevokeForm(request.user),
        "api_token": services.api_token_get_or_create(user=request.user),
        # Scrobblers add /1/... to the root of the host (docs/protocols.md section 1).
        "api_base_url": request.build_absolute_uri("/"),
    }
    return render(request, "accounts/profile.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show the account and save its preferences (email, time zone)."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return _profile_page(request, form=form)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the password (old one, new one twice); this session stays logged in."""
    form = PasswordChangeWithRevokeForm(request.user, request.POST)
    if not form.is_valid():
        return _profile_page(request, password_form=form)
    services.password_set(
        user=request.user,
        password=form.cleaned_data["new_password1"],
        revoke=form.cleaned_data["revoke"],
        keep_session_key=request.session.session_key,
    )
    update_session_auth_hash(request, request.user)
    messages.success(request, "Your password was changed.")
    return redirect(reverse("accounts:profile") + "#password")


@require_POST
def api_token_regenerate(request: HttpRequest) -> HttpResponse:
    """Replace the user's API token; scrobblers using the old one stop being accepted."""
    services.api_token_regenerate(user=request.user)
    messages.success(request, "Your new API token is below: the old one no longer works.")
    return redirect(reverse("accounts:profile") + "#api-token")
