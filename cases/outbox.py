"""The outbox: each deliberation's ``DeliberationRun`` row, the durable record that it must
run, and the sweep that relays what the outbox still holds, re-queues deliberations whose
runner died or whose task was lost, and fails those that cannot be saved.

It knows no runner: the sweep is handed the function that starts a deliberation
(``cases.runners`` for the embedded mode and the command, ``cases.tasks`` for Celery beat), so
neither of those modules has to import the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from cases import deliberation
from cases.models import Deliberation, DeliberationRun, DeliberationStatus

log = logging.getLogger(__name__)

NEVER_STARTED = (
    "It was queued {dispatches} times and never started; the case was sent to human review."
)
# Rows the sweeper handles per pass and kind: a pass stays short whatever the backlog.
SWEEP_BATCH = 200

Launch = Callable[[int], object]


def note_sent(deliberation_id: int) -> None:
    """Note on the deliberation's outbox row (written if missing) that it was just sent to a
    runner."""
    DeliberationRun.objects.get_or_create(deliberation_id=deliberation_id)
    DeliberationRun.objects.filter(deliberation_id=deliberation_id).update(
        dispatched_at=timezone.now(), dispatches=F("dispatches") + 1
    )


def send(task: Any, deliberation_id: int) -> bool:
    """Send the Celery ``task`` for the deliberation now and note it on its outbox row. False
    (logged) when the broker refused it; the row then stays due for the sweep."""
    try:
        task.apply_async((deliberation_id,), retry=False)
    except Exception as exc:  # kombu/redis errors vary by transport; the outbox keeps it
        log.warning("broker refused deliberation %s (%s); it stays queued", deliberation_id, exc)
        return False
    note_sent(deliberation_id)
    return True


@dataclass
class SweepReport:
    """What one sweep did: tasks sent from the outbox, deliberations re-queued (runner dead
    or task lost), and deliberations failed (out of attempts)."""

    relayed: int = 0
    requeued: int = 0
    failed: int = 0


def sweep(launch: Launch) -> SweepReport:
    """One pass: send what the outbox still holds, re-queue what is stuck (a lapsed lease, or
    queued long after its task was sent), fail what has used up its attempts. Safe to run
    anywhere, any number of times at once: every change is conditional. ``launch`` starts a
    deliberation and returns whether it did."""
    now = timezone.now()
    report = SweepReport()
    mine = Deliberation.objects.filter(case__is_evaluation=False).select_related("run")
    due = mine.filter(
        status=DeliberationStatus.QUEUED,
        run__dispatched_at__isnull=True,
        run__created_at__lt=now - timedelta(seconds=2),  # its own on-commit send goes first
    )
    for pk in due.values_list("pk", flat=True)[:SWEEP_BATCH]:
        report.relayed += bool(launch(pk))
    requeue_before = now - timedelta(seconds=settings.DELIBERATION_REQUEUE_S)
    lost = mine.filter(status=DeliberationStatus.QUEUED, run__dispatched_at__lt=requeue_before)
    for run in DeliberationRun.objects.filter(deliberation__in=lost)[:SWEEP_BATCH]:
        if run.dispatches >= settings.DELIBERATION_MAX_DISPATCHES:
            why = NEVER_STARTED.format(dispatches=run.dispatches)
            report.failed += deliberation.fail(run.deliberation_id, why) is not None
        else:
            report.requeued += bool(launch(run.deliberation_id))
    stale = mine.filter(status=DeliberationStatus.RUNNING, run__lease_until__lt=now).filter(
        # not already re-sent since the lease lapsed (or re-sent long ago and lost again)
        Q(run__dispatched_at__isnull=True)
        | Q(run__dispatched_at__lt=F("run__lease_until"))
        | Q(run__dispatched_at__lt=requeue_before)
    )
    for run in DeliberationRun.objects.filter(deliberation__in=stale)[:SWEEP_BATCH]:
        if run.attempts >= settings.DELIBERATION_MAX_ATTEMPTS:
            why = deliberation.EXHAUSTED.format(attempts=run.attempts)
            report.failed += (
                deliberation.fail(run.deliberation_id, why, stale_only=True) is not None
            )
        else:
            report.requeued += bool(launch(run.deliberation_id))
    if report != SweepReport():
        log.warning("sweep: %s", report)
    return report
