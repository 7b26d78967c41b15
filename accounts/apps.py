from django.apps import AppConfig
from django.core import checks

from streamapp.checks import private_files_check


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported here: these import models (ModelBackend's Permission), which need the app registry.
        from .checks import demo_accounts_check
        from .sso.checks import sso_settings_check

        # check --deploy fails while admin/admin or demo/demo can log in. The project's own file
        # check (streamapp is not an app, and accounts is the first of ours) goes with it.
        checks.register(demo_accounts_check, checks.Tags.security, deploy=True)
        checks.register(private_files_check, checks.Tags.security)
        checks.register(sso_settings_check, checks.Tags.security)
