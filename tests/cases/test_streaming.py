"""Live text: the first delta of a burst goes out at once, later ones together once per
window; every member's pending text shares one write; a write that fails keeps its text and
retries, so nothing a member said is lost or reordered; a broken channel layer never stops
a deliberation (rows are the truth)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.db import OperationalError

from cases import streaming
from cases.deliberation import DeltaCoalescer
from cases.models import DeliberationEvent
from tests.cases.scenarios import CASE_TEXT, consensus_panel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def d(settings):
    from asgiref.sync import sync_to_async

    from cases import deliberation

    settings.STREAM_COALESCE_MS = 200
    return await sync_to_async(
        lambda: deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    )()


async def texts(deliberation_id: int) -> list[tuple[int, str]]:
    return [
        (e.payload["member"], e.payload["text"])
        async for e in DeliberationEvent.objects.filter(
            deliberation_id=deliberation_id, type="member.delta"
        ).order_by("seq")
    ]


async def test_the_first_delta_goes_out_at_once_and_the_rest_of_the_burst_waits(d):
    sink = DeltaCoalescer(d.pk, 0, 1)

    await sink.add("Pneu")
    await asyncio.sleep(0.05)  # well inside the 200 ms window
    assert await texts(d.pk) == [(0, "Pneu")]

    await sink.add("mo")
    await sink.add("nia")
    await asyncio.sleep(0.05)
    assert await texts(d.pk) == [(0, "Pneu")]  # waits for the window's end
    await sink.close()
    assert await texts(d.pk) == [(0, "Pneu"), (0, "monia")]


async def test_every_members_pending_text_shares_one_write(d, monkeypatch):
    calls: list[int] = []
    real = streaming.record

    def counted(deliberation_id, events):
        calls.append(len(events))
        return real(deliberation_id, events)

    monkeypatch.setattr(streaming, "record", counted)
    sinks = [DeltaCoalescer(d.pk, i, 1) for i in range(5)]
    await sinks[0].add("first ")
    await asyncio.sleep(0.05)
    for i, sink in enumerate(sinks):
        await sink.add(f"m{i} ")

    await sinks[4].close()

    assert calls == [1, 5]  # the leading delta, then one write for all five members
    assert sorted(await texts(d.pk)) == sorted(
        [(0, "first "), (0, "m0 "), (1, "m1 "), (2, "m2 "), (3, "m3 "), (4, "m4 ")]
    )


async def test_a_failed_write_keeps_its_text_and_retries_in_order(d, monkeypatch):
    real = streaming.record
    failures = [OperationalError("terminating connection due to administrator command")] * 2

    def flaky(deliberation_id, events):
        if failures:
            raise failures.pop()
        return real(deliberation_id, events)

    monkeypatch.setattr(streaming, "record", flaky)
    sink = DeltaCoalescer(d.pk, 0, 1)
    await sink.add("The patient ")  # leading write fails: kept
    await asyncio.sleep(0.05)
    await sink.add("has pneumonia")

    await sink.close()  # retries until the database answers

    assert "".join(text for _, text in await texts(d.pk)) == "The patient has pneumonia"


async def test_a_database_that_stays_down_raises_from_close_and_keeps_the_text(d, monkeypatch):
    def down(deliberation_id, events):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(streaming, "record", down)
    monkeypatch.setattr(streaming, "FLUSH_ATTEMPTS", 2)
    sink = DeltaCoalescer(d.pk, 0, 1)
    await sink.add("kept")

    with pytest.raises(OperationalError):
        await sink.close()
    assert sink.batch.pending == {(0, 1): ["kept"]}


async def test_a_broken_channel_layer_does_not_stop_publishing(d, monkeypatch):
    class Broken:
        async def group_send(self, group, message):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6391")

    monkeypatch.setattr(streaming, "get_channel_layer", lambda: Broken())
    monkeypatch.setattr(streaming, "_send_paused_until", 0.0)

    message = await streaming.apublish(d.pk, "member.delta", {"member": 0, "round": 1, "text": "x"})

    assert message["seq"] == 1
    assert await texts(d.pk) == [(0, "x")]


async def test_one_write_of_every_members_text_is_one_group_send(d, monkeypatch):
    sent: list[tuple[str, dict[str, Any]]] = []

    class Counting:
        async def group_send(self, group, message):
            sent.append((group, message))

    monkeypatch.setattr(streaming, "get_channel_layer", lambda: Counting())
    sinks = [DeltaCoalescer(d.pk, m, 1) for m in range(3)]
    for m, sink in enumerate(sinks):
        await sink.add(f"member {m} ")
    await sinks[0].close()

    assert await texts(d.pk) == [(0, "member 0 "), (1, "member 1 "), (2, "member 2 ")]
    assert [group for group, _ in sent] == [streaming.group_name(d.pk)]
    assert [e["seq"] for e in sent[0][1]["events"]] == [1, 2, 3]


async def test_a_broadcast_from_a_runs_database_thread_does_not_wait_for_the_send(
    monkeypatch, caplog
):
    """A run's write (on the thread sync_to_async lends it) that announces an escalation
    goes on at once: the send is handed to the event loop, and its failure is logged."""
    release = asyncio.Event()
    sent: list[str] = []

    class Slow:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            await release.wait()
            if message["type"] == "broken":
                raise ConnectionError("layer down")
            sent.append(message["type"])

    from asgiref.sync import sync_to_async

    monkeypatch.setattr(streaming, "get_channel_layer", lambda: Slow())
    try:
        for kind in ("escalation.created", "broken"):
            broadcast = sync_to_async(streaming.broadcast)
            await asyncio.wait_for(broadcast("escalations", {"type": kind}), timeout=2)
        assert sent == []  # both calls returned while their sends were still waiting
    finally:
        release.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert sent == ["escalation.created"]
    assert "could not send broken to escalations" in caplog.text
