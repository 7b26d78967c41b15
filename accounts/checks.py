"""System checks of accounts: the demo accounts' well-known passwords must not reach production."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import Error
from django.db import DatabaseError

# The demo's accounts (seed_demo creates them): defined here, at the bottom of the apps, because the
# log-in backend and the deploy check refuse these passwords and the demo app above uses them.
DEMO_ACCOUNTS = (
    # username, password, staff and superuser
    ("admin", "admin", True),
    ("demo", "demo", False),
)


def demo_credentials(username: str | None, password: str | None) -> bool:
    """Return whether this is a demo account's name with its demo password (admin/admin, demo/demo)."""
    return any(username == name and password == demo for name, demo, _ in DEMO_ACCOUNTS)


def demo_accounts_check(app_configs=None, **kwargs) -> list[Error]:
    """Fail ``check --deploy`` while a demo account (seed_demo's admin or demo) keeps its demo password.

    A database that can't be read (not migrated yet) holds no accounts to report.
    """
    names = [name for name, _, _ in DEMO_ACCOUNTS]
    try:
        users = list(get_user_model().objects.filter(username__in=names, is_active=True).order_by("username"))
    except DatabaseError:
        return []
    passwords = {name: password for name, password, _ in DEMO_ACCOUNTS}
    # hashers.check_password, not user.check_password: a check must not re-hash and save the user.
    exposed = [user for user in users if check_password(passwords[user.username], user.password)]
    return [
        Error(
            f"The demo account {user.username!r} still has its demo password "
            f"({user.username}/{passwords[user.username]}): anyone can log in as it"
            + (" with staff and superuser rights." if user.is_staff or user.is_superuser else "."),
            hint=(
                f"Change its password (manage.py changepassword {user.username}), deactivate it, or "
                "delete it before deploying."
            ),
            obj=f"user {user.username}",
            id="accounts.E001",
        )
        for user in exposed
    ]
