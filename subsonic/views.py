"""The Subsonic API's one endpoint, /rest/<method>[.view], and the listener's Subsonic password page.

The endpoint reads the parameters, the format and the credentials, runs the method and answers its
payload in the envelope; every refusal is a failed envelope (HTTP 200) with its code, never an error
page. Media methods answer their bytes (or, failing, the envelope).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from . import auth, services
from .forms import SubsonicPasswordForm
from .methods import REGISTRY, Call
from .protocol import (
    MISSING,
    NOT_AUTHORISED,
    NOT_FOUND,
    Params,
    SubsonicError,
    check_client_version,
    envelope,
    response_format,
)
from .protocol import (
    render as render_envelope,
)


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
    return " ".join(error.messages)


def _run(request: HttpRequest, method_name: str, params: Params):
    method = REGISTRY.get(method_name.lower())
    if method is None:
        raise SubsonicError(NOT_FOUND, f"Unknown method {ascii(method_name[:60])[1:-1]}.")
    user = auth.authenticate(request, params) if method.needs_user else None
    if method.needs_user:
        for name in ("v", "c"):
            if not params.has(name):
                raise SubsonicError(MISSING, f"Required parameter is missing: {name}.")
        check_client_version(params.first("v"))
    try:
        return method.handler(Call(request=request, params=params, user=user))
    except Http404:
        raise SubsonicError(NOT_FOUND, "Not found.") from None
    except PermissionDenied as error:
        raise SubsonicError(NOT_AUTHORISED, str(error) or "Not authorised.") from None
    except ValidationError as error:
        raise SubsonicError(MISSING, _validation_message(error)) from None


@csrf_exempt  # clients post forms without a session or a CSRF token; they authenticate every call
@login_not_required  # the credentials are the call's parameters (auth.authenticate)
@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_variables("params")
def rest(request: HttpRequest, method: str) -> HttpResponseBase:
    """Answer one Subsonic API call."""
    fmt, callback = "xml", None
    try:
        params = Params(request)
        fmt, callback = response_format(params)  # f and callback are checked for what they may hold
        params.check_text()
        result = _run(request, method, params)
    except SubsonicError as error:
        return render_envelope(envelope(error=error), fmt=fmt, callback=callback)
    if isinstance(result, HttpResponseBase):
        return result
    return render_envelope(envelope(result), fmt=fmt, callback=callback)


# The endpoint checks its own parameters for unstorable text and answers in its protocol (error 10).
rest.checks_own_text = True


@require_http_methods(["GET", "HEAD", "POST"])
def password_page(request: HttpRequest) -> HttpResponse:
    """Show the listener their Subsonic password and how to connect; a POST sets a chosen one."""
    form = SubsonicPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subsonic_password_set(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error("password", error.message_dict.get("password", error.messages))
        else:
            messages.success(
                request, "Your Subsonic password is saved: clients using the old one must be updated."
            )
            return redirect("subsonic:password")
    context = {
        "form": form,
        "password": services.subsonic_password_get_or_create(user=request.user),
        "server_url": request.build_absolute_uri("/"),
    }
    return render(request, "subsonic/password.html", context, status=400 if form.errors else 200)


@require_POST
def password_regenerate(request: HttpRequest) -> HttpResponse:
    """Replace the listener's Subsonic password with a new random one."""
    services.subsonic_password_regenerate(user=request.user)
    messages.success(request, "Your new Subsonic password is below: the old one no longer works.")
    return redirect("subsonic:password")
