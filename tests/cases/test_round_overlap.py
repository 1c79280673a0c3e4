"""Round 1's closing write (its last turns' rows with the events between the rounds) is made
while Round 2's calls are in flight (issue 14): pages still see the rounds in order, every
vote refers to a stored proposal, and a write that fails is retried or fails the run at
once, however long the voters take."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError

from cases import deliberation, streaming
from cases.models import Deliberation, DeliberationEvent, Proposal, Vote
from tests.cases.scenarios import ASTHMA, CASE_TEXT, PE, PNEUMONIA, member
from tests.factories import make_panel

pytestmark = pytest.mark.django_db(transaction=True)


def panel(vote_delay_s: float = 0.0) -> Any:
    # Round 1 ends on a slow member; Round 2 runs (a split), its voters answer at once unless
    # told otherwise.
    answers = [PNEUMONIA, PNEUMONIA, PE, PNEUMONIA, ASTHMA]
    members = [
        {**member(a, delay_s=0.05 * i, vote_delay_s=vote_delay_s), "timeout_s": 60.0}
        for i, a in enumerate(answers)
    ]
    return make_panel("overlap", members, early_abort=False, early_decision=False)


def run(p: Any) -> Deliberation:
    d = deliberation.create(CASE_TEXT, panel=p, submitted_by_id=None)
    async_to_sync(deliberation.run)(d.pk)
    return Deliberation.objects.get(pk=d.pk)


def events(d: Deliberation) -> list[tuple[str, int | None]]:
    rows = DeliberationEvent.objects.filter(deliberation=d).order_by("seq")
    return [(e.type, e.payload.get("round")) for e in rows]


def fail_round2_opening(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Make the write that records ``round.started`` of Round 2 fail ``times`` times."""
    real = streaming.record
    failed: list[int] = []

    def flaky(deliberation_id: int, batch: Any) -> Any:
        if len(failed) < times and ("round.started", {"round": 2}) in list(batch):
            failed.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(deliberation_id, batch)

    monkeypatch.setattr(streaming, "record", flaky)
    return failed


def test_round2_text_comes_after_round2_starts_even_from_voters_that_answer_at_once(settings):
    settings.STREAM_COALESCE_MS = 0  # every delta written as soon as it arrives

    d = run(panel())

    assert (d.status, d.rounds) == ("finished", 2)
    story = events(d)
    opened = story.index(("round.started", 2))
    assert story.index(("round.finished", 1)) == opened - 1
    assert ("member.proposal", 1) not in story[opened:]
    assert story[:opened].count(("member.proposal", 1)) == 5
    assert ("member.delta", 2) in story[opened:]
    assert ("member.delta", 2) not in story[:opened]
    # Every vote's row refers to a stored proposal (written before any vote was).
    votes = Vote.objects.filter(deliberation=d)
    assert votes.count() == 5
    stored = set(Proposal.objects.filter(deliberation=d).values_list("pk", flat=True))
    assert {v.proposal_id for v in votes} <= stored
    assert None not in {v.proposal_id for v in votes}


def test_a_failed_closing_write_of_round1_is_retried_and_nothing_is_lost(monkeypatch):
    failed = fail_round2_opening(monkeypatch, times=1)

    d = run(panel())

    assert failed == [1]
    assert (d.status, d.rounds) == ("finished", 2)
    story = events(d)
    assert story.count(("round.started", 2)) == 1
    assert story.count(("member.proposal", 1)) == 5
    assert Proposal.objects.filter(deliberation=d).count() == 5
    assert Vote.objects.filter(deliberation=d).count() == 5


def test_a_closing_write_of_round1_that_keeps_failing_fails_the_run_without_waiting_for_votes(
    monkeypatch,
):
    fail_round2_opening(monkeypatch, times=100)
    started = time.monotonic()

    d = run(panel(vote_delay_s=20.0))

    # The write's retries take about 1.5 s; the voters would have taken 20 s.
    assert time.monotonic() - started < 8
    assert d.status == "failed"
    assert "OperationalError" in d.failure
    assert not Vote.objects.filter(deliberation=d).exists()
    assert events(d)[-1] == ("deliberation.failed", None)
