from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import RedirectView

from . import views
from .sso import oidc

app_name = "accounts"

urlpatterns = [
    # Django's views: log-in is @login_not_required; log-out takes a POST from a logged-in user.
    path(
        "login/",
        views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="accounts:login"), name="logout"),
    path("signup/", views.signup, name="signup"),
    # Single sign-on with OpenID Connect (accounts/sso/oidc.py): 404 unless configured.
    path("sso/oidc/start/", login_not_required(oidc.OIDCStartView.as_view()), name="oidc-start"),
    path("sso/oidc/callback/", login_not_required(oidc.OIDCCallbackView.as_view()), name="oidc-callback"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/", views.api_token_regenerate, name="api-token-regenerate"),
    # The history import moved to listening's page: an old bookmark or form address lands there.
    path(
        "profile/history-imports/",
        RedirectView.as_view(pattern_name="listening:history-import", permanent=True),
    ),
]
