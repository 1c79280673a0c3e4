"""``check_provider --panel NAME``: test every member's endpoint and key, one line each."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from panels import checks
from panels.models import Panel


class Command(BaseCommand):
    help = "Test the connection and API key of every member of a panel (no tokens are spent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--panel", required=True, help="Panel name.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            panel = Panel.objects.get(name=options["panel"])
        except Panel.DoesNotExist:
            raise CommandError(f"There is no panel named {options['panel']!r}.") from None
        results = checks.check_panel(panel)
        for result in results:
            status = self.style.SUCCESS("OK") if result.ok else self.style.ERROR("FAILED")
            self.stdout.write(f"{result.subject}: {status} {result.message}")
        failed = sum(1 for r in results if not r.ok)
        if failed:
            raise CommandError(f"{failed} of {len(results)} members failed the check.")
