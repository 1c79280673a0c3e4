"""Where deliberations run: the in-process runner reaches the server's event loop from a sync
view's thread; the Celery runner enqueues only after the transaction commits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError, transaction
from django.utils import timezone

from cases import deliberation, outbox, runners, tasks
from cases.models import Deliberation, DeliberationRun
from consensus_site.celery import app as celery_app
from tests.cases.scenarios import CASE_TEXT, consensus_panel


@pytest.mark.django_db(transaction=True)
async def test_inprocess_runner_started_from_a_sync_view_thread_runs_on_the_server_loop():
    d = await sync_to_async(
        lambda: deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    )()
    server_loop = asyncio.get_running_loop()

    # What a sync Django view under daphne is: code in a sync_to_async worker thread.
    await sync_to_async(runners.start)(d.pk)

    (task,) = runners._running
    assert task.get_loop() is server_loop
    await asyncio.wait_for(task, timeout=60)  # a cold process loads the ICD-10 set first
    finished = await Deliberation.objects.aget(pk=d.pk)
    assert (finished.status, finished.outcome) == ("finished", "consensus")
    assert not runners._running  # the strong reference is dropped once it ends


@pytest.mark.django_db(transaction=True)
def test_inprocess_runner_waits_for_the_creating_transaction_to_commit(monkeypatch):
    launched: list[int] = []
    monkeypatch.setattr(runners, "_start_in_process", launched.append)

    with transaction.atomic():
        d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
        runners.start(d.pk)
        assert launched == []

    assert launched == [d.pk]


@pytest.fixture
def broker_queue():
    """The real Celery app on kombu's in-memory broker: the ``celery`` queue, emptied before
    and after, read with the app's own connection (no worker, no Redis)."""
    assert celery_app.conf.broker_url == "memory://" and not celery_app.conf.task_always_eager
    with celery_app.connection_for_read() as conn:
        queue = conn.SimpleQueue(celery_app.conf.task_default_queue)
        queue.clear()
        yield queue
        queue.clear()
        queue.close()


def _sent_tasks(queue) -> list[tuple[str, list[object]]]:
    # Each message on the queue as (task name, positional args), as a worker would decode it.
    sent = []
    while queue.qsize():
        message = queue.get(block=False)
        assert message.content_type == "application/json"
        args, _kwargs, _embed = message.decode()
        sent.append((message.headers["task"], args))
        message.ack()
    return sent


@pytest.mark.django_db(transaction=True)
def test_celery_runner_writes_the_outbox_row_with_the_case_and_sends_on_commit(
    settings, broker_queue
):
    settings.DELIBERATION_RUNNER = "celery"

    with transaction.atomic():
        d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
        runners.start(d.pk)
        assert broker_queue.qsize() == 0  # nothing reaches the broker mid-transaction
        assert DeliberationRun.objects.filter(deliberation=d, dispatched_at=None).exists()

    assert _sent_tasks(broker_queue) == [(tasks.run_deliberation.name, [d.pk])]
    run = DeliberationRun.objects.get(deliberation=d)
    assert run.dispatched_at is not None and run.dispatches == 1


@pytest.mark.django_db(transaction=True)
def test_celery_runner_sends_nothing_when_the_transaction_rolls_back(settings, broker_queue):
    settings.DELIBERATION_RUNNER = "celery"

    with pytest.raises(RuntimeError), transaction.atomic():
        d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
        runners.start(d.pk)
        raise RuntimeError("the view failed after starting")

    assert _sent_tasks(broker_queue) == []
    assert not DeliberationRun.objects.filter(deliberation_id=d.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_refuses_the_task_loses_nothing_and_the_sweeper_relays_it(
    monkeypatch, settings
):
    settings.DELIBERATION_RUNNER = "celery"
    broker_up = False
    sent: list[int] = []

    def apply_async(args, **kw):
        if not broker_up:
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6391")
        sent.append(args[0])

    monkeypatch.setattr(tasks.run_deliberation, "apply_async", apply_async)
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    runners.start(d.pk)  # autocommit: sent at once, refused, logged

    assert Deliberation.objects.get(pk=d.pk).status == "queued"
    assert runners.sweep().relayed == 0  # too fresh: its own send goes first
    DeliberationRun.objects.filter(deliberation=d).update(
        created_at=timezone.now() - timedelta(seconds=5)
    )
    assert runners.sweep().relayed == 0  # the broker is still down; still in the outbox
    broker_up = True
    assert runners.sweep().relayed == 1
    assert sent == [d.pk]
    assert runners.sweep().relayed == 0  # sent once


@pytest.mark.django_db(transaction=True)
def test_sweeper_requeues_a_task_the_broker_lost_then_fails_it_after_the_last_try(settings):
    settings.DELIBERATION_MAX_DISPATCHES = 2
    sent: list[int] = []

    def launch(pk: int) -> bool:
        sent.append(pk)
        outbox.note_sent(pk)
        return True

    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    long_ago = timezone.now() - timedelta(seconds=settings.DELIBERATION_REQUEUE_S + 1)
    DeliberationRun.objects.create(deliberation=d, dispatched_at=long_ago, dispatches=1)

    assert runners.sweep(launch).requeued == 1
    assert runners.sweep(launch).requeued == 0  # just sent again: give it time
    DeliberationRun.objects.filter(deliberation=d).update(dispatched_at=long_ago)
    assert runners.sweep(launch).failed == 1

    assert sent == [d.pk]
    failed = Deliberation.objects.get(pk=d.pk)
    assert failed.status == "failed" and "never started" in failed.failure
    assert failed.escalations.get().reason == "failed"


def test_celery_task_is_json_acks_late_and_retries_database_outages():
    task = tasks.run_deliberation

    assert task.acks_late is True
    assert task.serializer == "json"
    assert task.autoretry_for == (OperationalError,)  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
async def test_the_embedded_sweeper_inside_the_server_loop_runs_a_lost_deliberation(settings):
    settings.DELIBERATION_SWEEP_S = 0.05
    d = await sync_to_async(
        lambda: deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    )()
    # Started once, but its task never ran (the process stopped before it could).
    long_ago = timezone.now() - timedelta(seconds=settings.DELIBERATION_REQUEUE_S + 1)
    await DeliberationRun.objects.acreate(deliberation=d, dispatched_at=long_ago, dispatches=1)

    runners.ensure_sweeper()  # what the first live page or deliberation does under daphne

    for _ in range(200):  # at most ~10 s
        finished = await Deliberation.objects.aget(pk=d.pk)
        if finished.status == "finished":
            break
        await asyncio.sleep(0.05)
    assert (finished.status, finished.outcome) == ("finished", "consensus")
    sweeper = runners._sweepers.pop(id(asyncio.get_running_loop()))
    sweeper.cancel()
    await asyncio.gather(sweeper, return_exceptions=True)
    for task in list(runners._running):
        await task
