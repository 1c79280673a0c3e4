"""Celery tasks: thin interfaces that take ids and call the orchestrator."""

from __future__ import annotations

import asyncio

from celery import shared_task
from django.db import OperationalError, close_old_connections

from cases import deliberation


@shared_task(
    acks_late=True,
    serializer="json",
    # A database that is briefly unreachable (failover, restart) fails the claim before
    # anything ran; retrying later is safe because `deliberation.run` claims the row with a
    # conditional update, so a deliberation never runs twice.
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def run_deliberation(deliberation_id: int) -> None:
    """Run one queued deliberation to its end on this worker."""
    close_old_connections()
    try:
        asyncio.run(deliberation.run(deliberation_id))
    finally:
        close_old_connections()
