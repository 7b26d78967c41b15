"""A bare page for bench/http.py: the cost of a logged-in request with no page work of its own.

Routed only when settings.STREAMAPP_BENCH_BARE_VIEW is true (off by default).
"""

from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    """Answer the username in plain text: no template, no query beyond the session and user lookup.

    The middleware (sessions, authentication, LoginRequiredMiddleware) runs as for any page, so this
    is the floor every page pays; the username lets the benchmark check that it was logged in.
    """
    return HttpResponse(request.user.get_username(), content_type="text/plain; charset=utf-8")
