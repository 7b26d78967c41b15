"""Catalog pages. (Placeholder bodies: the pages work package replaces them.)"""

from django.http import HttpResponse


def home(request):
    return HttpResponse("streamapp")


genre_list = genre_detail = artist_detail = album_detail = track_detail = search = search_suggest = home
