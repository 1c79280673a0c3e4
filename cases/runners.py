"""Where deliberations run. The only module that knows: in the web process (``inprocess``,
the embedded default) or on Celery workers (``celery``), chosen by DELIBERATION_RUNNER.

Both start only after the transaction that created the deliberation commits, so a runner
never looks for a row that is not there yet.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from functools import partial

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction

from cases import deliberation

log = logging.getLogger(__name__)

# The event loop keeps only weak references to tasks; without this set a running
# deliberation could be garbage-collected mid-round.
_running: set[asyncio.Task[None]] = set()


def start(deliberation_id: int) -> None:
    """Start running a queued deliberation once the current transaction commits (at once in
    autocommit). Call it from sync code: a view, an API operation, a command."""
    if settings.DELIBERATION_RUNNER == "celery":
        from cases.tasks import run_deliberation

        # celery-types 0.26 predates Celery 5.4's delay_on_commit.
        run_deliberation.delay_on_commit(deliberation_id)  # type: ignore[attr-defined]
    else:
        transaction.on_commit(partial(_start_in_process, deliberation_id))


def _start_in_process(deliberation_id: int) -> None:
    # Under daphne a sync view runs in a worker thread that asgiref started from the
    # server's event loop (sync_to_async). async_to_sync called from such a thread runs the
    # coroutine *on that server loop*, so the task created in `_spawn` lives on daphne's
    # loop and outlives the request. The call returns as soon as the task is scheduled.
    async_to_sync(_spawn)(deliberation_id)


async def _spawn(deliberation_id: int) -> None:
    # A fresh context: the caller's context belongs to the request's sync thread, and asgiref
    # would route the deliberation's sync_to_async calls back to that thread's executor,
    # which stops when the request ends ("CurrentThreadExecutor already quit").
    task = asyncio.get_running_loop().create_task(
        deliberation.run(deliberation_id),
        name=f"deliberation-{deliberation_id}",
        context=contextvars.Context(),
    )
    _running.add(task)
    task.add_done_callback(_running.discard)
    log.info("deliberation %s started in process", deliberation_id)
