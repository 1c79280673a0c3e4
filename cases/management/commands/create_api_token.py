"""Create an API token for a user and print it once (only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases import tokens


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it; it cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="A label to tell tokens apart.")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: options["username"]})
        except user_model.DoesNotExist:
            raise CommandError(f"There is no user named {options['username']!r}.") from None
        _row, plaintext = tokens.create(user, name=options["name"])
        self.stdout.write(plaintext)
        self.stderr.write(
            "Store this token now; only its hash is kept. Send it as "
            "'Authorization: Bearer <token>'."
        )
