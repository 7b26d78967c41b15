from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .forms import AdminLoginForm
from .models import User

# Log-in protection (accounts/lockout.py): the admin's log-in form names when a locked log-in may retry.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Preferences", {"fields": ("time_zone", "stream_quality", "loudness_target", "crossfade_seconds")}),
    )
    list_display = ("username", "email", "is_staff", "is_active", "date_joined", "last_login")
