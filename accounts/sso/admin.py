from django.contrib import admin

from .models import OIDCIdentity


@admin.register(OIDCIdentity)
class OIDCIdentityAdmin(admin.ModelAdmin):
    """Staff see which provider identity logs in to which account, and unlink one by deleting it."""

    list_display = ("user", "issuer", "subject", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "subject", "issuer")
    readonly_fields = ("user", "issuer", "subject", "created_at")

    def has_add_permission(self, request):
        return False
