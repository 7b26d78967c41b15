"""The project's URL map: pages, the admin, the API and its schema."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# A URL nothing matches (a non-UUID playlist id, an unknown path), or a body too large to read, is
# JSON under /api/ and /1/.
handler404 = "streamapp.error_views.not_found"
handler400 = "streamapp.error_views.bad_request"

urlpatterns = [
    path("", include("catalog.urls")),
    path("", include("listening.urls")),
    path("", include("listening.listenbrainz.urls")),
    path("", include("recommend.urls")),
    path("", include("subsonic.urls")),
    path("accounts/", include("accounts.urls")),
    path("staff/analytics/", include("analytics.urls_staff")),
    path("", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("streamapp.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as its own response (/api/docs/?script=), not
    # inline: the Content-Security-Policy runs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs/swagger_ui.html"),
        name="api-docs",
    ),
]

if settings.STREAMAPP_BENCH_BARE_VIEW:
    from streamapp import bench_views

    urlpatterns.append(path("bench/bare/", bench_views.bare, name="bench-bare"))

if settings.DEBUG:
    from pathlib import Path

    from django.conf.urls.static import static

    # Album covers are the only public media: nothing else under MEDIA_ROOT is served, even a file an
    # earlier version (or an operator) left there.
    urlpatterns += static(f"{settings.MEDIA_URL}covers/", document_root=Path(settings.MEDIA_ROOT) / "covers")
