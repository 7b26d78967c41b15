from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.core import checks
from django.db.models.signals import post_delete, post_save

from streamapp.checks import private_files_check


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported here: these import models (ModelBackend's Permission), which need the app registry.
        from .backends import forget_saved_user
        from .checks import demo_accounts_check
        from .sso.checks import sso_settings_check

        # check --deploy fails while admin/admin or demo/demo can log in. The project's own file
        # check (streamapp is not an app, and accounts is the first of ours) goes with it.
        checks.register(demo_accounts_check, checks.Tags.security, deploy=True)
        checks.register(private_files_check, checks.Tags.security)
        checks.register(sso_settings_check, checks.Tags.security)

        # The cache of logged-in users (accounts.backends) must never outlive a change to one.
        user_model = get_user_model()
        post_save.connect(forget_saved_user, sender=user_model, dispatch_uid="accounts-forget-saved-user")
        post_delete.connect(forget_saved_user, sender=user_model, dispatch_uid="accounts-forget-deleted-user")
