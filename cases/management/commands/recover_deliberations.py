"""Mark deliberations that a stopped web process left queued or running as failed.

`make run` calls this before daphne starts: with the in-process runner, nothing can still be
running them, so each is failed with a visible reason and its case goes to human review.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cases import deliberation
from cases.models import Deliberation, DeliberationStatus

INTERRUPTED = "Interrupted by a server restart; the case was sent to human review."


class Command(BaseCommand):
    help = "Fail deliberations left queued or running by a stopped server (in-process runner)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Also with DELIBERATION_RUNNER=celery (only when no worker is running).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DELIBERATION_RUNNER == "celery" and not options["force"]:
            # Workers outlive the web process and redeliver unacknowledged tasks, so a
            # queued deliberation may still run; failing it here would be wrong.
            self.stdout.write("DELIBERATION_RUNNER=celery: workers own deliberations; skipped.")
            return
        stale = Deliberation.objects.filter(
            status__in=[DeliberationStatus.QUEUED, DeliberationStatus.RUNNING]
        ).values_list("pk", flat=True)
        count = 0
        for deliberation_id in list(stale):
            deliberation.fail(deliberation_id, INTERRUPTED)
            count += 1
        self.stdout.write(f"Recovered {count} interrupted deliberation(s).")
