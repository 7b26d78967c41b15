from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from . import views
from .forms import LoginForm

app_name = "accounts"

urlpatterns = [
    # Django's views: log-in is @login_not_required; log-out takes a POST from a logged-in user.
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            form_class=LoginForm,  # the lock message of log-in protection (accounts/lockout.py)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="accounts:login"), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/", views.api_token_regenerate, name="api-token-regenerate"),
    # The history import moved to listening's page: an old bookmark or form address lands there.
    path(
        "profile/history-imports/",
        RedirectView.as_view(pattern_name="listening:history-import", permanent=True),
    ),
]
