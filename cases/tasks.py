"""Celery tasks: thin interfaces that take ids and call the orchestrator or the outbox's
sweep (which this module hands the task that starts a deliberation, so ``cases.runners``
imports this module and never the other way round)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from functools import partial
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import OperationalError, close_old_connections

from cases import deliberation, outbox


@shared_task(
    bind=True,
    acks_late=True,
    serializer="json",
    # A database that is briefly unreachable (failover, restart) fails the claim before
    # anything ran; retrying later is safe because `deliberation.run` claims the row under
    # its lock, so a deliberation never runs twice at once.
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def run_deliberation(self: Task[Any, Any], deliberation_id: int) -> str:
    """Run one deliberation to its end on this worker, or resume it when its runner died.
    A redelivered task that finds a live runner's lease (its worker child was just killed,
    and the lease has not lapsed yet) tries again once the lease would have lapsed."""
    close_old_connections()
    try:
        result = asyncio.run(deliberation.run(deliberation_id))
    finally:
        close_old_connections()
    if result == "busy":
        raise self.retry(countdown=settings.DELIBERATION_LEASE_S)
    return result


@shared_task(acks_late=False, serializer="json", ignore_result=True)
def sweep_deliberations() -> dict[str, int]:
    """The periodic sweeper (Celery beat, see `make worker`): see :func:`outbox.sweep`."""
    close_old_connections()
    try:
        return asdict(outbox.sweep(partial(outbox.send, run_deliberation)))
    finally:
        close_old_connections()
