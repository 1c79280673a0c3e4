"""What a deliberation costs the database, counted, so that a regression shows (issue 14: the
orchestration overhead). The critical path is what runs while no member call is in flight:
the write before Round 1 and the write after Round 2; the last Round 1 turns' write goes on
while Round 2's calls are in flight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref import sync as asgiref_sync
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from cases import deliberation
from cases.models import Deliberation
from panels.icd10 import code_set
from tests.cases.scenarios import ASTHMA, CASE_TEXT, PE, PNEUMONIA, member
from tests.factories import make_panel
from tests.fakes import scripted

pytestmark = pytest.mark.django_db(transaction=True)


def staggered_panel() -> Any:
    # Answers 0.1 s apart in both rounds, so only the last turn of a round is written while
    # no call is in flight; no early abort or decision, so both rounds run to the end.
    answers = [PNEUMONIA, PNEUMONIA, PE, PNEUMONIA, ASTHMA]
    members = [
        member(a, delay_s=0.1 * (i + 1), vote_delay_s=0.1 * (i + 1)) for i, a in enumerate(answers)
    ]
    return make_panel(
        "staggered", members, grace_period_s=5.0, early_abort=False, early_decision=False
    )


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Everything a run does, in order: "sql" per statement, "commit", "hop" (a call to the
    database thread), "call+" / "call-" around every member call."""
    events: list[str] = []

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            events.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        BaseDatabaseWrapper, "commit", counted("commit", BaseDatabaseWrapper.commit)
    )
    call = asgiref_sync.SyncToAsync.__call__
    monkeypatch.setattr(asgiref_sync.SyncToAsync, "__call__", counted("hop", call))
    complete = scripted.ScriptedProvider.complete

    async def timed(self: Any, request: Any, *, on_delta: Any) -> Any:
        events.append("call+")
        try:
            return await complete(self, request, on_delta=on_delta)
        finally:
            events.append("call-")

    monkeypatch.setattr(scripted.ScriptedProvider, "complete", timed)
    return events


def run(log: list[str]) -> Deliberation:
    # The ICD-10-CM code set loads on first use (seconds): a worker or daphne loads it at its
    # start (builtin.warm); here the first run in a process would load it inside a turn's
    # write, turns would pile up behind it, and the counts would measure the import.
    code_set()
    d = deliberation.create(CASE_TEXT, panel=staggered_panel(), submitted_by_id=None)
    log.clear()

    def statement(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        log.append("sql")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(statement):
        async_to_sync(deliberation.run)(d.pk)
    return Deliberation.objects.get(pk=d.pk)


def critical_path(log: list[str]) -> list[dict[str, int]]:
    """The counts of each stretch with no member call in flight, in order (empty ones too)."""
    stretches: list[dict[str, int]] = [{}]
    in_flight = 0
    for event in log:
        if event == "call+":
            if in_flight == 0:
                stretches.append({})
            in_flight += 1
        elif event == "call-":
            in_flight -= 1
        elif in_flight == 0:
            stretches[-1][event] = stretches[-1].get(event, 0) + 1
    return stretches


# Per database: on SQLite Django sends each transaction's BEGIN as a statement; on PostgreSQL
# the run ends with one more hop, which hands the connection back (skipped on SQLite). Each
# turn's write checks the run's lease first (two statements: a runner whose lease lapsed must
# not store a turn its successor stores too); the last one's check is the finish's.
AFTER_HOPS = {"sqlite": 1, "postgresql": 2}
STRETCH_SQL = {"sqlite": (9, 10), "postgresql": (9, 10)}
TOTALS = {
    "sqlite": {"sql": 73, "commit": 11, "hop": 11},
    "postgresql": {"sql": 64, "commit": 11, "hop": 12},
}


def test_each_stretch_of_the_critical_path_is_one_write_per_step(log):
    d = run(log)

    assert (d.status, d.rounds) == ("finished", 2)
    before, between, after = critical_path(log)
    # Before Round 1: the claim, its audit entry and the opening events, in one write.
    assert (before["hop"], before["commit"]) == (1, 1)
    # Between the rounds: nothing. The last proposal's write, with the events that close
    # Round 1 and open Round 2, is made once Round 2's calls are out.
    assert between == {}
    # After Round 2: the last vote with the decision, in one write.
    assert (after["hop"], after["commit"]) == (AFTER_HOPS[connection.vendor], 1)
    assert (before["sql"], after["sql"]) == STRETCH_SQL[connection.vendor]


def test_a_deliberation_costs_no_more_statements_commits_or_hops_than_measured(log):
    run(log)

    # 5 members, both rounds, no escalation; the figures of bench.orchestrator's runs.
    counts = {kind: log.count(kind) for kind in ("sql", "commit", "hop")}
    assert counts == TOTALS[connection.vendor]
