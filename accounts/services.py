"""Writes for accounts: API tokens, passwords, sessions, invitations and sign-up.

The API token is what scrobblers and other clients send (`Authorization: Token ...`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import Invitation
from .selectors import session_store_class, user_sessions
from .signals import credentials_revoked


def api_token_get_or_create(*, user) -> str:
    """Return the user's API token, creating it on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def api_token_regenerate(*, user) -> str:
    """Replace the user's API token with a new one and return it; the old token stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def sessions_revoke(*, user, keep_session_key: str | None = None, session_keys=None) -> int:
    """End the user's sessions (all, or those of `session_keys`) but `keep_session_key`; return how many.

    Goes through the SessionStore so that cached_db's cached copy goes too.
    """
    store_class = session_store_class()
    revoked = 0
    for session in user_sessions(user=user):
        if session.session_key == keep_session_key:
            continue
        if session_keys is not None and session.session_key not in session_keys:
            continue
        store_class(session_key=session.session_key).delete()
        revoked += 1
    return revoked


@transaction.atomic
def password_set(*, user, password: str, revoke: bool, keep_session_key: str | None = None) -> None:
    """Give the user a new password; with `revoke`, end their other sessions and delete their API token.

    Other sessions are refused anyway once the password changes (Django checks the session's hash of
    it); revoking deletes them, and the API token (scrobblers) and the other apps' credentials
    (signals.credentials_revoked) that a password change leaves working.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    if revoke:
        Token.objects.filter(user=user).delete()
        credentials_revoked.send(sender=password_set, user=user)
        sessions_revoke(user=user, keep_session_key=keep_session_key)


# ------------------------------------------------------------------------------ sign-up and invitations
class InvitationUnusable(Exception):
    """The invitation was used, has expired, or is tied to another e-mail address."""


def invitation_usable(*, token: str) -> Invitation | None:
    """Return the open invitation with this token, or None."""
    if not token:
        return None
    return Invitation.objects.usable().select_related("created_by").filter(token=token).first()


def signup_allowed(*, invitation: Invitation | None) -> bool:
    """Whether a visitor may create an account now (STREAMAPP_SIGNUP and the invitation)."""
    mode = settings.STREAMAPP_SIGNUP
    return mode == "open" or (mode == "invite" and invitation is not None)


@transaction.atomic
def signup_create_user(*, form, invitation: Invitation | None):
    """Create the account of a valid sign-up form, using up the invitation (if any) in the same transaction.

    The invitation is claimed by a conditional UPDATE: of two sign-ups with one invitation, exactly one
    updates its row; the other raises InvitationUnusable and its account is rolled back.
    """
    wanted_email = invitation.email.casefold() if invitation is not None else ""
    if wanted_email and form.cleaned_data.get("email", "").casefold() != wanted_email:
        raise InvitationUnusable("This invitation is for another e-mail address.")
    user = form.save()
    if invitation is not None:
        now = timezone.now()
        claimed = (
            Invitation.objects.usable(now=now).filter(pk=invitation.pk).update(used_at=now, used_by=user)
        )
        if claimed != 1:
            raise InvitationUnusable("This invitation was already used or has expired.")
    elif settings.STREAMAPP_SIGNUP != "open":
        raise InvitationUnusable("An invitation is needed to sign up.")
    return user


def invitation_send(*, invitation: Invitation, signup_url: str) -> None:
    """E-mail the invitation's link to its address; ValidationError when it has none or can't be used."""
    if not invitation.email:
        raise ValidationError("This invitation has no e-mail address: copy its link instead.")
    if invitation.status != "open":
        raise ValidationError(f"This invitation is {invitation.status}.")
    context = {"invitation": invitation, "signup_url": signup_url}
    send_mail(
        subject="You are invited to streamapp",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
