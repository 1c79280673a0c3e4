"""Create an API token for a user and print it once (only its hash is stored); list or
revoke a user's tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases import tokens
from cases.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it (it cannot be shown again); "
        "--list shows the user's tokens, --revoke PREFIX or --revoke-all revokes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="A label to tell tokens apart.")
        parser.add_argument("--days", type=int, help="Valid this many days (API_TOKEN_DAYS).")
        parser.add_argument("--list", action="store_true", help="List the user's tokens.")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the token so prefixed.")
        parser.add_argument("--revoke-all", action="store_true", help="Revoke all the tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"There is no user named {options['username']!r}.") from None
        if options["list"]:
            for row in ApiToken.objects.filter(user=user):
                state = "active" if row.is_active else "revoked" if row.revoked_at else "expired"
                self.stdout.write(
                    f"{row.prefix}  {row.name}  {state}  expires {row.expires_at:%Y-%m-%d}  "
                    f"last used {row.last_used_at or 'never'}"
                )
            return
        if options["revoke_all"]:
            count = tokens.revoke_all(user, actor=None, reason="command")
            self.stdout.write(f"Revoked {count} token(s) of {user.username}.")
            return
        if options["revoke"]:
            found = ApiToken.objects.filter(user=user, prefix=options["revoke"]).first()
            if found is None:
                raise CommandError(f"{user.username} has no token starting {options['revoke']!r}.")
            if not tokens.revoke(found, actor=None, reason="command"):
                raise CommandError("That token was already revoked.")
            self.stdout.write(f"Revoked {found}.")
            return
        if options["days"] is not None and not 1 <= options["days"] <= 3650:
            raise CommandError("--days must be between 1 and 3650.")
        _row, plaintext = tokens.create(user, name=options["name"], days=options["days"])
        self.stdout.write(plaintext)
        self.stderr.write(
            "Store this token now; only its hash is kept. Send it as "
            "'Authorization: Bearer <token>'."
        )
