"""Account pages. (Placeholder bodies: the pages work package replaces them.)"""

from django.http import HttpResponse


def signup(request):
    return HttpResponse("signup")


profile = signup
