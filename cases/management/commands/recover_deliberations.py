"""Recover deliberations that a stopped process left queued or running.

`make run` calls this before daphne starts: with the in-process runner, nothing can still be
running them, so each is failed with a visible reason and its case goes to human review.
With the Celery runner, workers own deliberations under a lease: this runs one sweep (the
one Celery beat runs every DELIBERATION_SWEEP_S): tasks a broker outage kept in the outbox
are sent, deliberations whose runner died or whose task was lost are re-queued and resumed,
those out of attempts are failed; and one running for longer than the task's hard time
limit without a lease (its worker is gone) is failed. `make run-scaleout` runs it on start,
and it is safe to run from cron.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cases import deliberation, runners
from cases.models import Deliberation, DeliberationStatus

INTERRUPTED = "Interrupted by a server restart; the case was sent to human review."
WORKER_LOST = (
    "Its worker stopped without finishing (running for over {limit} s); the case was sent to "
    "human review."
)


class Command(BaseCommand):
    help = "Fail deliberations that a stopped server or a lost worker left unfinished."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="With DELIBERATION_RUNNER=celery, fail every unfinished one (no worker running).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unfinished = [DeliberationStatus.QUEUED, DeliberationStatus.RUNNING]
        stale = Deliberation.objects.filter(status__in=unfinished)
        why = INTERRUPTED
        if settings.DELIBERATION_RUNNER == "celery" and not options["force"]:
            # Workers outlive the web process and redeliver unacknowledged tasks, so a queued
            # or recently started deliberation may still run. Past the hard time limit no
            # task can still be running it.
            limit = settings.CELERY_TASK_TIME_LIMIT
            cutoff = timezone.now() - timedelta(seconds=limit)
            stale = stale.filter(status=DeliberationStatus.RUNNING, started_at__lt=cutoff)
            why = WORKER_LOST.format(limit=limit)
            # A lease means a runner that may be alive: the sweep resumes or fails those.
            stale = stale.filter(run__isnull=True) | stale.filter(run__lease_until__isnull=True)
        count = 0
        for deliberation_id in list(stale.values_list("pk", flat=True)):
            deliberation.fail(deliberation_id, why)
            count += 1
        self.stdout.write(f"Recovered {count} interrupted deliberation(s).")
        if settings.DELIBERATION_RUNNER == "celery" and not options["force"]:
            report = runners.sweep()
            self.stdout.write(
                f"Sweep: {report.relayed} sent from the outbox, {report.requeued} re-queued, "
                f"{report.failed} failed."
            )
