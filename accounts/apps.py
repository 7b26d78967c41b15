from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .backends import forget_saved_user

        # The cache of logged-in users (accounts.backends) must never outlive a change to one.
        user_model = get_user_model()
        post_save.connect(forget_saved_user, sender=user_model, dispatch_uid="accounts-forget-saved-user")
        post_delete.connect(forget_saved_user, sender=user_model, dispatch_uid="accounts-forget-deleted-user")
