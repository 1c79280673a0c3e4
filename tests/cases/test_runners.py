"""Where deliberations run: the in-process runner reaches the server's event loop from a sync
view's thread; the Celery runner enqueues only after the transaction commits."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError, transaction

from cases import deliberation, runners, tasks
from cases.models import Deliberation
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
    await asyncio.wait_for(task, timeout=10)
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


def test_celery_runner_enqueues_on_commit(monkeypatch, settings):
    settings.DELIBERATION_RUNNER = "celery"
    queued: list[int] = []
    monkeypatch.setattr(tasks.run_deliberation, "delay_on_commit", queued.append)

    runners.start(42)

    assert queued == [42]


def test_celery_task_is_json_acks_late_and_retries_database_outages():
    task = tasks.run_deliberation

    assert task.acks_late is True
    assert task.serializer == "json"
    assert task.autoretry_for == (OperationalError,)  # type: ignore[attr-defined]
