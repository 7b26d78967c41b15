from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from . import selectors, services
from .forms import AdminLoginForm, AdminUserChangeForm, AdminUserCreationForm
from .models import Invitation, User

# Log-in protection (accounts/lockout.py): the admin's log-in form names when a locked log-in may retry.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # User names are normalised and checked for look-alikes as on sign-up (accounts/usernames.py).
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Preferences", {"fields": ("time_zone", "stream_quality", "loudness_target", "crossfade_seconds")}),
        ("Active sessions", {"fields": ("active_sessions",)}),
    )
    readonly_fields = ("active_sessions",)
    list_display = ("username", "email", "is_staff", "is_active", "date_joined", "last_login")
    actions = ["end_sessions"]

    @admin.display(description="Sessions")
    def active_sessions(self, obj) -> str:
        if obj.pk is None:
            return "—"
        sessions = selectors.user_sessions(user=obj)
        if not sessions:
            return "None: this user is logged in nowhere."
        rows = format_html_join(
            "", "<li>…{} · expires {}</li>", ((s.session_key[-6:], s.expire_date) for s in sessions)
        )
        return format_html(
            "<ul>{}</ul><p>End them with the action “Log out everywhere” on the list of users.</p>", rows
        )

    @admin.action(description="Log out everywhere (end all their sessions)")
    def end_sessions(self, request, queryset) -> None:
        ended = sum(services.sessions_revoke(user=user) for user in queryset)
        self.message_user(request, f"Ended {ended} session(s) of {queryset.count()} user(s).")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations to sign up while STREAMAPP_SIGNUP is `invite`: create one, then send its link."""

    fields = ("email", "expires_at", "link", "created_by", "created_at", "used_at", "used_by")
    readonly_fields = ("link", "created_by", "created_at", "used_at", "used_by")
    list_display = ("__str__", "email", "status", "expires_at", "created_by", "used_by", "link")
    list_select_related = ("created_by", "used_by")
    search_fields = ("email",)
    actions = ["send_by_email"]

    @admin.display(description="Sign-up link")
    def link(self, obj) -> str:
        if obj.pk is None:
            return "Shown once the invitation is saved."
        return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:  # the full link, to copy (the list shows the path)
            context["invitation_link"] = request.build_absolute_uri(obj.get_absolute_url())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        url = request.build_absolute_uri(obj.get_absolute_url())
        self.message_user(request, f"Send this sign-up link (it works once): {url}", messages.SUCCESS)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Send the sign-up link by e-mail")
    def send_by_email(self, request, queryset) -> None:
        for invitation in queryset.select_related("created_by"):
            try:
                services.invitation_send(
                    invitation=invitation,
                    signup_url=request.build_absolute_uri(invitation.get_absolute_url()),
                )
            except ValidationError as error:
                self.message_user(request, f"{invitation}: {error.messages[0]}", messages.WARNING)
            else:
                self.message_user(request, f"Sent to {invitation.email}.", messages.SUCCESS)
