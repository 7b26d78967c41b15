"""Print a user's API token (for scrobblers and the ListenBrainz-compatible API), creating it if needed."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Print USERNAME's API token as the last line of output, creating it if needed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Replace the token with a new one (the old one stops working).",
        )

    def handle(self, *args, username: str, regenerate: bool, **options):
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if regenerate:
            token = services.api_token_regenerate(user=user)
        else:
            token = services.api_token_get_or_create(user=user)
        self.stdout.write(token)
