"""The project's URL map: pages, the admin, the API and its schema."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# A URL nothing matches (a non-UUID playlist id, an unknown path), or a body too large to read, is
# JSON under /api/ and /1/.
handler404 = "streamapp.error_views.not_found"
handler400 = "streamapp.error_views.bad_request"

urlpatterns = [
    path("", include("catalog.urls")),
    path("", include("listening.urls")),
    path("", include("listening.listenbrainz.urls")),
    path("", include("recommend.urls")),
    path("accounts/", include("accounts.urls")),
    path("staff/analytics/", include("analytics.urls_staff")),
    path("", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("streamapp.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.STREAMAPP_BENCH_BARE_VIEW:
    from streamapp import bench_views

    urlpatterns.append(path("bench/bare/", bench_views.bare, name="bench-bare"))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
