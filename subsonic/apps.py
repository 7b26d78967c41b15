from django.apps import AppConfig


class SubsonicConfig(AppConfig):
    name = "subsonic"
    verbose_name = "Subsonic API"

    def ready(self) -> None:
        from accounts.signals import credentials_revoked

        from .services import subsonic_password_revoke

        # "Revoke my API tokens" on a password change or reset also ends the Subsonic password.
        credentials_revoked.connect(subsonic_password_revoke, dispatch_uid="subsonic-password-revoke")
