"""Recommend pages: Made for you (mixes and recommendations with their reasons) and the taste picker.

Both need a logged-in listener (LoginRequiredMiddleware) and show only their own data. Views parse
their input, call a selector or service, and render.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from . import feedback, selectors
from .forms import TastePickForm

MADE_FOR_YOU_TRACKS = 50


@require_safe
def made_for_you(request: HttpRequest) -> HttpResponse:
    """The listener's Discover and Daily Mixes, and their top recommendations with reasons."""
    mixes = selectors.user_mixes(user=request.user)
    tracks = selectors.recommended_tracks(user=request.user, limit=MADE_FOR_YOU_TRACKS)
    cold = not mixes and not tracks and selectors.needs_taste_picks(user=request.user)
    return render(
        request,
        "recommend/made_for_you.html",
        {"mixes": mixes, "tracks": tracks, "cold": cold},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def taste_picker(request: HttpRequest) -> HttpResponse:
    """Pick a few genres and artists (cold start); the first mixes are made at once."""
    picks = selectors.taste_pick_get(user=request.user)
    initial = {"genres": list(picks.genres.all()), "artists": list(picks.artists.all())} if picks else {}
    form = TastePickForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        feedback.taste_pick_save(user=request.user, **form.cleaned_data)
        if feedback.taste_pick_apply(user=request.user):
            messages.success(request, "Your first mixes are ready. They get better as you listen.")
        else:
            messages.info(request, "Saved. Your mixes will appear after tonight’s update.")
        return redirect("recommend:made-for-you")
    chosen_genres = {int(pk) for pk in form["genres"].value() or [] if str(pk).isdigit()}
    chosen_artists = {int(pk) for pk in form["artists"].value() or [] if str(pk).isdigit()}
    if request.method != "POST" and picks:
        chosen_genres = {genre.pk for genre in initial["genres"]}
        chosen_artists = {artist.pk for artist in initial["artists"]}
    return render(
        request,
        "recommend/taste_picker.html",
        {
            "form": form,
            "genres": selectors.picker_genres(),
            "artists": selectors.picker_artists(),
            "chosen_genres": chosen_genres,
            "chosen_artists": chosen_artists,
            "is_update": picks is not None,
        },
    )
