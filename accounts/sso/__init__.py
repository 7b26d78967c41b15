"""Single sign-on: OpenID Connect (oidc.py) and a trusted reverse proxy's log-in header (remote_user.py).

The rules both share live here: whether a first log-in may create an account (sign-up must be open),
the user name a new account gets, and the staff flag following the provider's groups.
"""

import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.usernames import clean_username, normalize

USERNAME_MAX_LENGTH = 150


def may_create_users() -> bool:
    """Whether a single sign-on log-in of an unknown person may create their account (sign-up is open)."""
    return settings.STREAMAPP_SIGNUP == "open"


def available_username(wanted: str) -> str:
    """Return `wanted` made a valid user name (NFKC, letters, digits and @.+-_), suffixed -2, -3... if
    taken; a name the sign-up rules refuse (mixed scripts, confusable with another) becomes user-<hex>."""
    base = re.sub(r"[^\w.@+-]", "", normalize(wanted).strip())[: USERNAME_MAX_LENGTH - 6] or "user"
    candidate = _free(base)
    try:
        return clean_username(candidate)
    except ValidationError:
        return _free(f"user-{secrets.token_hex(3)}")


def _free(base: str) -> str:
    user_model = get_user_model()
    taken = set(user_model.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def apply_staff_from_groups(user, groups: list[str] | None, *, staff_group: str) -> bool:
    """Set `user.is_staff` from membership of `staff_group` (not saved); return whether it changed.

    Without a configured staff group, or when the provider sent no groups at all, staff is left alone.
    """
    if not staff_group or groups is None:
        return False
    is_staff = staff_group in groups
    if user.is_staff == is_staff:
        return False
    user.is_staff = is_staff
    return True
