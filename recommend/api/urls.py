from django.urls import path

from . import views

app_name = "recommend-api"

urlpatterns = [
    path("radio/", views.RadioStartApi.as_view(), name="radio-start"),
    path("radio/<str:session>/next/", views.RadioNextApi.as_view(), name="radio-next"),
    path("tracks/<int:pk>/similar/", views.SimilarTracksApi.as_view(), name="similar-tracks"),
    path("artists/<int:pk>/similar/", views.SimilarArtistsApi.as_view(), name="similar-artists"),
    path("me/dislikes/", views.DislikeListApi.as_view(), name="dislikes"),
    path("me/dislikes/<int:id>/", views.DislikeApi.as_view(), name="dislike"),
]

# Under /api/v1/users/<username>/ (streamapp.api_urls): one listener's data, for them and staff.
user_urlpatterns = [
    path("recommendations/", views.UserRecommendationsApi.as_view(), name="recommendations"),
    path("mixes/", views.UserMixListApi.as_view(), name="mixes"),
    path("mixes/<uuid:uid>/", views.UserMixDetailApi.as_view(), name="mix"),
]
