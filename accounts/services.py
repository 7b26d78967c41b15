"""Writes for accounts: the API token that scrobblers and other clients send (`Authorization: Token ...`)."""

from django.db import transaction
from rest_framework.authtoken.models import Token


def api_token_get_or_create(*, user) -> str:
    """Return the user's API token, creating it on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def api_token_regenerate(*, user) -> str:
    """Replace the user's API token with a new one and return it; the old token stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key
