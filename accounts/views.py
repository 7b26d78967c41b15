"""Account pages: sign-up and the profile. Log-in and log-out are Django's own views (see urls.py).

Sign-up is open to visitors (@login_not_required); the profile needs a logged-in user, like every
page behind LoginRequiredMiddleware. The profile also holds the API token for scrobblers and the
import of a listening history (uploads run on Celery; the list of imports polls their progress).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from listening import services as listening_services
from listening.models import HistoryImport
from streamapp.uploads import UploadLimit

from . import services
from .forms import HistoryImportForm, ProfileForm, SignupForm

# The latest imports listed on the profile page.
HISTORY_IMPORTS_SHOWN = 10


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
        login(request, user)  # the one configured backend
        messages.success(request, f"Welcome to streamapp, {user.get_username()}!")
        return redirect(next_url or "catalog:home")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


def _profile_page(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    history_form: HistoryImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form or ProfileForm(instance=request.user),
        "history_form": history_form or HistoryImportForm(),
        "history_imports": HistoryImport.objects.filter(user=request.user)[:HISTORY_IMPORTS_SHOWN],
        "api_token": services.api_token_get_or_create(user=request.user),
        # Scrobblers add /1/... to the root of the host (docs/protocols.md section 1).
        "api_base_url": request.build_absolute_uri("/"),
    }
    return render(request, "accounts/profile.html", context, status=status)


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


@csrf_exempt  # the upload limit must be installed before the CSRF check reads the body: checked below
@require_http_methods(["GET", "HEAD", "POST"])
def history_import(request: HttpRequest) -> HttpResponse:
    """Start the import of an uploaded listening history (on Celery); show the form's errors otherwise.

    An upload over STREAMAPP_HISTORY_UPLOAD_MAX_BYTES is answered 413 with the form's error, unread
    when its Content-Length says so, else as soon as its files pass the limit.
    """
    if request.method != "POST":
        return redirect("accounts:profile")  # the address a failed upload left in the location bar
    limit = UploadLimit.install(request, max_bytes=settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES)
    request.POST  # noqa: B018 (reads the body, through the limit)
    if limit.exceeded:
        history_form = HistoryImportForm(request.POST, too_large=True)
        return _profile_page(request, history_form=history_form, status=413)
    return _history_import_checked(request)


@csrf_protect
def _history_import_checked(request: HttpRequest) -> HttpResponse:
    history_form = HistoryImportForm(request.POST, request.FILES)
    if not history_form.is_valid():
        return _profile_page(request, history_form=history_form)
    data = history_form.cleaned_data
    try:
        listening_services.history_import_start(
            user=request.user, format=data["format"], uploads=data["files"]
        )
    except ValidationError as error:  # one import at a time; the rows of the day
        history_form.add_error("files", error)
        return _profile_page(request, history_form=history_form)
    messages.success(request, "Your history is being imported: its progress shows below.")
    return redirect(reverse("accounts:profile") + "#history-import")


@require_GET
def history_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Return one of the user's imports as a fragment of the profile page (polled while it runs)."""
    history_import = get_object_or_404(HistoryImport, pk=pk, user=request.user)
    return render(request, "accounts/_history_import.html", {"history_import": history_import})
