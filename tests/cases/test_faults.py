"""Fault tests on a real database, a Redis of the test's own and real Celery workers: kill -9
of the worker's process group mid-deliberation, and Redis stopped during submissions. Every
accepted case must finish exactly once, resumed runs must not ask stored turns again, and the
API must never answer a 5xx.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from django.test import Client

from cases import runners, tokens
from cases.models import Deliberation, DeliberationEvent, DeliberationRun, Proposal
from consensus_site.celery import app
from tests.cases.scaleout import (
    RedisServer,
    Worker,
    forget_broker_connections,
    free_port,
    wait_until,
)
from tests.cases.scenarios import CASE_TEXT, PE, PNEUMONIA, member
from tests.factories import make_panel

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]

CASES = 6


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        from tests.conftest import service_missing

        service_missing("redis-server", "not installed (a fault test starts its own)")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_on(own_redis, settings) -> Iterator[RedisServer]:
    """This process sends tasks to the test's own Redis, as `make run-scaleout` would."""
    settings.DELIBERATION_RUNNER = "celery"
    previous = app.conf.broker_url
    forget_broker_connections(app)
    app.conf.update(broker_url=own_redis.url)
    yield own_redis
    forget_broker_connections(app)
    app.conf.update(broker_url=previous)


@pytest.fixture
def workers(celery_on) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def slow_panel():
    """Three members answering after 1, 2 and 3 s, two of them agreeing: Round 2 decides."""
    return make_panel(
        "slow",
        [
            member(PNEUMONIA, delay_s=1, vote_delay_s=0.5),
            member(PNEUMONIA, delay_s=2, vote_delay_s=0.5),
            member(PE, delay_s=3, vote_delay_s=0.5, vote_for="J18.9"),
        ],
        q=2,
        f=1,
        grace_period_s=10,
    )


def all_ended(ids: list[int]) -> bool:
    return not Deliberation.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists()


def assert_each_finished_exactly_once(ids: list[int], worker: Worker) -> None:
    for d in Deliberation.objects.filter(pk__in=ids):
        assert (d.status, d.outcome) == ("finished", "consensus"), (d.pk, d.failure, worker.tail())
        kinds = list(
            DeliberationEvent.objects.filter(deliberation=d)
            .order_by("seq")
            .values_list("type", flat=True)
        )
        assert kinds.count("deliberation.finished") == 1 and "deliberation.failed" not in kinds
        assert kinds.count("member.proposal") == 3 and kinds.count("deliberation.started") == 1
        seqs = list(DeliberationEvent.objects.filter(deliberation=d).values_list("seq", flat=True))
        assert sorted(seqs) == list(range(1, d.last_seq + 1))  # gap-free, no duplicates
        assert d.proposals.count() == 3 and d.votes.count() == 3
        assert d.escalations.count() == 0


def test_kill_9_of_the_worker_group_mid_deliberation_then_every_case_finishes_once(
    clinician, celery_on, workers
):
    panel = slow_panel()
    from cases import deliberation

    ids = []
    for _ in range(CASES):
        created = deliberation.create(CASE_TEXT, panel=panel, submitted_by_id=clinician.pk)
        runners.start(created.pk)
        ids.append(created.pk)
    first = Worker(celery_on.url)
    workers.append(first)
    first.start()

    def mid_run() -> list[int]:
        # A deliberation that has stored some, not all, of its proposals.
        return [
            d.pk
            for d in Deliberation.objects.filter(pk__in=ids, status="running")
            if 0 < d.proposals.count() < 3
        ]

    interrupted = wait_until(mid_run, timeout=90, what="a deliberation mid-way", every=0.1)
    before = {
        pk: dict(Proposal.objects.filter(deliberation_id=pk).values_list("member_index", "pk"))
        for pk in interrupted
    }
    first.kill_group()

    second = Worker(celery_on.url)
    workers.append(second)
    second.start()
    wait_until(lambda: all_ended(ids), timeout=150, what="every case to end", every=0.5)

    assert_each_finished_exactly_once(ids, second)
    for pk, stored in before.items():
        # Resumed by the second worker: the turns stored before the kill were kept, not re-asked.
        assert DeliberationRun.objects.get(deliberation_id=pk).attempts >= 2
        after = dict(Proposal.objects.filter(deliberation_id=pk).values_list("member_index", "pk"))
        assert {i: after[i] for i in stored} == stored


def test_redis_stopped_during_submissions_then_every_accepted_case_finishes(
    clinician, celery_on, workers
):
    panel = slow_panel()
    panel.is_default = True
    panel.save()
    client = Client()
    auth = {"Authorization": f"Bearer {tokens.create(clinician, name='faults')[1]}"}
    worker = Worker(celery_on.url)
    workers.append(worker)
    worker.start()

    def submit(i: int) -> int:
        response = client.post(
            "/api/cases",
            json.dumps({"text": f"{CASE_TEXT} ({i})"}),
            content_type="application/json",
            headers={**auth, "Idempotency-Key": f"case-{i}"},
        )
        assert response.status_code < 500, response.content[:300]
        assert response["Content-Type"].startswith("application/json")
        assert response.status_code == 202
        return int(response.json()["deliberation_id"])

    ids = [submit(i) for i in range(2)]
    celery_on.stop()  # Redis goes away, with the tasks it held
    ids += [submit(i) for i in range(2, 5)]
    assert submit(4) == ids[-1]  # a client's retry of the same request: the same case
    celery_on.start()  # back, empty

    wait_until(lambda: all_ended(ids), timeout=150, what="every accepted case to end", every=0.5)

    assert len(set(ids)) == 5 and Deliberation.objects.count() == 5
    assert_each_finished_exactly_once(ids, worker)
