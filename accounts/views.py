"""Account pages: sign-up and the profile. Log-in and log-out are Django's own views (see urls.py).

Sign-up is open to visitors (@login_not_required); the profile needs a logged-in user, like every
page behind LoginRequiredMiddleware. The profile also holds the API token for scrobblers, and links
to the import of a listening history (a page of listening's: accounts imports no app above it).
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import ProfileForm, SignupForm


@login_not_required
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, log it in and go on to `next` (or home); a logged-in user is sent on at once."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "catalog:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="accounts.backends.CachedModelBackend")
        messages.success(request, f"Welcome to streamapp, {user.get_username()}!")
        return redirect(next_url or "catalog:home")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


def _profile_page(request: HttpRequest, *, form: ProfileForm | None = None) -> HttpResponse:
    context = {
        "form": form or ProfileForm(instance=request.user),
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


@require_POST
def api_token_regenerate(request: HttpRequest) -> HttpResponse:
    """Replace the user's API token; scrobblers using the old one stop being accepted."""
    services.api_token_regenerate(user=request.user)
    messages.success(request, "Your new API token is below: the old one no longer works.")
    return redirect(reverse("accounts:profile") + "#api-token")
