"""Where deliberations run. The only module that knows: in the web process (``inprocess``,
the embedded default) or on Celery workers (``celery``), chosen by DELIBERATION_RUNNER.

Starting one writes its outbox row (``DeliberationRun``) in the caller's transaction; the
runner starts only after that transaction commits, so it never looks for a row that is not
there yet, and a broker that refuses the task loses nothing: the outbox's sweep
(``cases.outbox``; Celery beat, or a loop inside daphne in the embedded mode) relays it later,
and also re-queues deliberations whose runner died or whose task the broker lost, and fails
those that cannot be saved.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from functools import partial

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction

from cases import deliberation, leases, outbox, tasks
from cases.models import DeliberationRun

log = logging.getLogger(__name__)

# The event loop keeps only weak references to tasks; without this set a running
# deliberation could be garbage-collected mid-round.
_running: set[asyncio.Task[leases.RunResult]] = set()
# The embedded sweeper of each event loop that ran a deliberation (daphne's, in practice).
_sweepers: dict[int, asyncio.Task[None]] = {}


def start(deliberation_id: int) -> None:
    """Start running a queued deliberation once the current transaction commits (at once in
    autocommit). Call it from sync code: a view, an API operation, a command. Writes the
    deliberation's outbox row in the current transaction; never raises for a broker that is
    down (the sweeper sends the task when it is back)."""
    DeliberationRun.objects.get_or_create(deliberation_id=deliberation_id)
    if settings.DELIBERATION_RUNNER == "celery":
        transaction.on_commit(partial(dispatch, deliberation_id))
    else:
        transaction.on_commit(partial(_start_in_process, deliberation_id))


def run_here(deliberation_id: int) -> None:
    """Write the deliberation's outbox row already marked as sent: the caller runs it itself,
    in this process (the ``deliberate`` command). Should that run be lost, the sweeper
    re-queues it as it does any lost task."""
    outbox.note_sent(deliberation_id)


def dispatch(deliberation_id: int) -> bool:
    """Send the deliberation's Celery task now and note it on its outbox row. False (logged)
    when the broker refused it; the row then stays due for the sweeper."""
    return outbox.send(tasks.run_deliberation, deliberation_id)


def _start_in_process(deliberation_id: int) -> None:
    # Under daphne a sync view runs in a worker thread that asgiref started from the
    # server's event loop (sync_to_async). async_to_sync called from such a thread runs the
    # coroutine *on that server loop*, so the task created in `_spawn` lives on daphne's
    # loop and outlives the request. The call returns as soon as the task is scheduled.
    outbox.note_sent(deliberation_id)
    async_to_sync(_spawn)(deliberation_id)


async def _spawn(deliberation_id: int) -> None:
    # Never await here: the request waits for this to return, and the deliberation (whose
    # members may compute on the loop) starts at the first await.
    _create_task(deliberation_id)
    ensure_sweeper()
    log.info("deliberation %s started in process", deliberation_id)


def _create_task(deliberation_id: int) -> None:
    # A fresh context: the caller's context belongs to the request's sync thread, and asgiref
    # would route the deliberation's sync_to_async calls back to that thread's executor,
    # which stops when the request ends ("CurrentThreadExecutor already quit").
    task = asyncio.get_running_loop().create_task(
        deliberation.run(deliberation_id),
        name=f"deliberation-{deliberation_id}",
        context=contextvars.Context(),
    )
    _running.add(task)
    task.add_done_callback(_ran)


def _ran(task: asyncio.Task[leases.RunResult]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("deliberation task %s raised", task.get_name(), exc_info=task.exception())


def sweep(launch: outbox.Launch | None = None) -> outbox.SweepReport:
    """One pass of :func:`cases.outbox.sweep`, starting deliberations with ``launch``
    (default: :func:`dispatch`, the Celery task)."""
    return outbox.sweep(launch or dispatch)


def ensure_sweeper() -> None:
    """In the embedded mode, make sure the running loop (daphne's) sweeps every
    DELIBERATION_SWEEP_S seconds; the first deliberation or live page starts it."""
    if settings.DELIBERATION_RUNNER != "inprocess" or settings.DELIBERATION_SWEEP_S <= 0:
        return
    loop = asyncio.get_running_loop()
    current = _sweepers.get(id(loop))
    if current is not None and not current.done() and current.get_loop() is loop:
        return
    _sweepers[id(loop)] = loop.create_task(
        _sweep_forever(), name="deliberation-sweeper", context=contextvars.Context()
    )


async def _sweep_forever() -> None:
    loop = asyncio.get_running_loop()

    def launch(deliberation_id: int) -> bool:
        # Called from the sweep's thread: start the run on this loop, don't wait for it.
        loop.call_soon_threadsafe(_create_task, deliberation_id)
        outbox.note_sent(deliberation_id)
        return True

    while True:
        await asyncio.sleep(settings.DELIBERATION_SWEEP_S)
        try:
            await sync_to_async(sweep)(launch)
        except Exception:  # logged, and the next pass tries again
            log.exception("sweeping deliberations failed")
