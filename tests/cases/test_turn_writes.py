"""The end of a member's turn is one write: its last live text (with whatever else the
deliberation had pending) and the row with the event that announces it, in one transaction.
A write that fails loses nothing: the text is written on its own, then the row."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError

from cases import deliberation, streaming
from cases.deliberation import DeltaCoalescer, persistence
from cases.models import DeliberationEvent, TurnStatus
from tests.cases.scenarios import CASE_TEXT, consensus_panel

pytestmark = pytest.mark.django_db(transaction=True)

FAULT = streaming.MemberFault(member=0, round=1, status=TurnStatus.ERROR, error="boom")


def fault(_row: str) -> streaming.Event:
    return ("member.fault", FAULT)


@pytest.fixture
async def d(settings):
    settings.STREAM_COALESCE_MS = 200
    return await sync_to_async(
        lambda: deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    )()


@pytest.fixture
def writes(monkeypatch):
    """The event types of every streaming.record call, in order."""
    calls: list[list[str]] = []
    real = streaming.record

    def counted(deliberation_id, events):
        calls.append([kind for kind, _ in events])
        return real(deliberation_id, events)

    monkeypatch.setattr(streaming, "record", counted)
    return calls


async def stored(deliberation_id: int) -> list[tuple[str, str]]:
    rows = DeliberationEvent.objects.filter(deliberation_id=deliberation_id).order_by("seq")
    return [(e.type, e.payload.get("text", "")) async for e in rows]


async def test_a_members_last_words_and_its_row_are_one_write(d, writes):
    sinks = [DeltaCoalescer(d.pk, m, 1) for m in range(2)]
    await sinks[0].add("last words")
    await sinks[1].add("still writing")

    rows = await persistence.persist(d.pk, [(lambda: "row", fault)], text=sinks[0].batch)

    assert rows == ["row"]
    assert writes == [["member.delta", "member.delta", "member.fault"]]
    assert await stored(d.pk) == [
        ("member.delta", "last words"),
        ("member.delta", "still writing"),
        ("member.fault", ""),
    ]


async def test_a_failed_turn_write_writes_the_text_then_the_row(d, writes, monkeypatch):
    real = streaming.record
    failures = [OperationalError("server closed the connection unexpectedly")]

    def flaky(deliberation_id, events):
        if failures:
            raise failures.pop()
        return real(deliberation_id, events)

    monkeypatch.setattr(streaming, "record", flaky)
    sink = DeltaCoalescer(d.pk, 0, 1)
    await sink.add("kept")

    await persistence.persist(d.pk, [(lambda: "row", fault)], text=sink.batch)

    assert await stored(d.pk) == [("member.delta", "kept"), ("member.fault", "")]
    assert sink.batch.pending == {}
