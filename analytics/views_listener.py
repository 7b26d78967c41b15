"""A listener's own stats pages: /stats/, the year in review and its shareable image.

Each page shows the stats of the logged-in user only (no other user's stats are reachable here); the
image is only for its owner too. Bad input (an unknown range) answers 400 with the default range shown.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from analytics import listener_charts, listener_stats, yearimage

YEAR_IMAGE_CACHE_SECONDS = 24 * 3600


@login_required
@require_safe
def stats(request: HttpRequest) -> HttpResponse:
    """GET /stats/?range=4w|6m|all: the listener's tops, minutes, clock, discovery, streaks and genres."""
    range_key = request.GET.get("range", listener_stats.DEFAULT_RANGE)
    error, status = "", 200
    try:
        data = listener_stats.listener_stats(user=request.user, range_key=range_key)
    except listener_stats.StatsError as problem:
        error, status, range_key = problem.message, 400, listener_stats.DEFAULT_RANGE
        data = listener_stats.listener_stats(user=request.user, range_key=range_key)
    context = {
        "stats": data,
        "error": error,
        "ranges": [
            (key, label, f"{reverse('analytics:stats')}?range={key}", key == range_key)
            for key, (label, _) in listener_stats.RANGES.items()
        ],
        "year": data.today.year,
        "minutes_per_day_chart": listener_charts.minutes_per_day(data),
        "minutes_per_week_chart": listener_charts.minutes_per_week(data),
        "clock_chart": listener_charts.listening_clock(data),
        "genre_shift_chart": listener_charts.genre_shift(data.genre_shift),
        "top_sections": _top_sections(data),
    }
    return render(request, "analytics/stats.html", context, status=status)


def _top_sections(data: listener_stats.ListenerStats):
    return [
        ("artists", "Top artists", data.top_artists),
        ("tracks", "Top tracks", data.top_tracks),
        ("albums", "Top albums", data.top_albums),
        ("genres", "Top genres", data.top_genres),
    ]


def _review(request: HttpRequest, year: int) -> listener_stats.YearInReview:
    try:
        return listener_stats.year_in_review(user=request.user, year=year)
    except listener_stats.StatsError:
        raise Http404("No such year.") from None


@login_required
@require_safe
def year(request: HttpRequest, year: int) -> HttpResponse:
    """GET /stats/<year>/: the listener's year in review (top five of everything, minutes, the top genre)."""
    review = _review(request, year)
    context = {
        "review": review,
        "stats": review.stats,
        "top_sections": [
            (key, title.replace("Top", "Top five"), lines)
            for key, title, lines in _top_sections(review.stats)
        ],
        "months_chart": listener_charts.year_minutes_per_month(review),
        "genre_story_chart": listener_charts.genre_story_months(review),
        "image_url": reverse("analytics:year-image", kwargs={"year": year}),
    }
    return render(request, "analytics/year.html", context)


@login_required
@require_safe
def year_image(request: HttpRequest, year: int) -> HttpResponse:
    """GET /stats/<year>/image.png: the year in review as a PNG, for its owner (cached by its figures)."""
    review = _review(request, year)
    fingerprint = hashlib.sha256(
        repr(
            (
                request.user.get_username(),
                review.stats.listens,
                review.stats.ms_played,
                [(line.id, line.listens) for line in review.stats.top_artists + review.stats.top_tracks],
                review.most_played_day,
                review.genre_story.genre.id if review.genre_story else None,
                review.genre_story.share if review.genre_story else None,
                review.stats.active_days,
            )
        ).encode()
    ).hexdigest()[:32]
    key = f"analytics:year-image:{request.user.pk}:{year}:{fingerprint}"
    png = cache.get(key)
    if png is None:
        png = yearimage.year_image_png(review, username=request.user.get_username())
        cache.set(key, png, YEAR_IMAGE_CACHE_SECONDS)
    if request.headers.get("If-None-Match") == f'"{fingerprint}"':
        return HttpResponse(status=304)
    response = HttpResponse(png, content_type="image/png")
    response["ETag"] = f'"{fingerprint}"'
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = f'inline; filename="streamapp-{year}.png"'
    return response
