from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from . import views
from .forms import LoginForm, PasswordResetWithRevokeForm
from .sso import oidc

app_name = "accounts"

urlpatterns = [
    # Django's views: log-in is @login_not_required; log-out takes a POST from a logged-in user.
    path(
        "login/",
        views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            form_class=LoginForm,  # the lock message of log-in protection (accounts/lockout.py)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="accounts:login"), name="logout"),
    path("signup/", views.signup, name="signup"),
    # Passwords: changed on the profile page; reset by e-mail with Django's views and tokens.
    path("profile/password/", views.password_change, name="password-change"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(  # Django's, with requests and e-mails bounded
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            form_class=PasswordResetWithRevokeForm,
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password-reset-complete",
    ),
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
