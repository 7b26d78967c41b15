"""Print a listener's Subsonic password as the last line of output (making one if needed), or set it."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from subsonic import services


class Command(BaseCommand):
    help = "Print USERNAME's Subsonic password as the last line of output, creating it if needed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--set",
            metavar="PASSWORD",
            dest="new_password",
            help="Set this password (clients using the old one stop being accepted).",
        )

    def handle(self, *args, username: str, new_password: str | None, **options):
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            if new_password is not None:
                password = services.subsonic_password_set(user=user, password=new_password)
            else:
                password = services.subsonic_password_get_or_create(user=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(password)
