"""A crowd of sockets on one deliberation shares one room per process: one member of the
channel group, one rendering per event, one query for fills asked for together."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator

from cases import live, streaming
from consensus_site.asgi import application
from tests.cases.scenarios import consensus_panel, started_case
from tests.cases.test_consumers import HOST, ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

CROWD = 30


@pytest.fixture
def case_in_progress(clinician):
    """A deliberation with 3 events: started, round 1, a first delta from member 0."""
    return started_case(clinician, consensus_panel())


async def open_crowd(deliberation_id: int, user: Any) -> list[WebsocketCommunicator]:
    cookie = (b"cookie", await sync_to_async(session_cookie)(user))
    crowd = [
        WebsocketCommunicator(
            application, f"/ws/deliberations/{deliberation_id}/", [ORIGIN, HOST, cookie]
        )
        for _ in range(CROWD)
    ]
    for socket in crowd:
        assert (await socket.connect(timeout=10))[0]
        await socket.send_json_to({"resume_from": 3})
    return crowd


async def receive_all(crowd: list[WebsocketCommunicator], count: int) -> list[list[Any]]:
    async def one(socket: WebsocketCommunicator) -> list[Any]:
        return [await socket.receive_json_from(timeout=10) for _ in range(count)]

    return await asyncio.gather(*(one(socket) for socket in crowd))


async def close(crowd: list[WebsocketCommunicator]) -> None:
    for socket in crowd:
        await socket.disconnect()


async def test_a_crowd_is_one_member_of_the_group_until_the_last_socket_leaves(
    case_in_progress, clinician
):
    d = case_in_progress
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)  # the tests' layer
    group = streaming.group_name(d.pk)
    crowd = await open_crowd(d.pk, clinician)

    assert len(layer.groups[group]) == 1
    await close(crowd[1:])
    assert len(layer.groups[group]) == 1
    await close(crowd[:1])
    assert group not in layer.groups or not layer.groups[group]


async def test_every_socket_of_a_crowd_gets_each_event_rendered_once(
    case_in_progress, clinician, monkeypatch
):
    d = case_in_progress
    rendered: list[int] = []
    real_message = live.Feed.message

    def counted(feed: live.Feed, event: streaming.EventMessage) -> dict[str, Any]:
        rendered.append(event["seq"])
        return real_message(feed, event)

    monkeypatch.setattr(live.Feed, "message", counted)
    crowd = await open_crowd(d.pk, clinician)

    events: list[streaming.Event] = [
        ("member.delta", streaming.MemberDelta(member=i % 5, round=1, text=f"t{i} "))
        for i in range(5)
    ]
    events.append(("member.repair", streaming.MemberRepair(member=4, round=1, error="no code")))
    await streaming.apublish_many(d.pk, events)
    received = await receive_all(crowd, len(events))

    assert all(got == received[0] for got in received)
    assert [m["seq"] for m in received[0]] == [4, 5, 6, 7, 8, 9]
    assert sorted(rendered) == [4, 5, 6, 7, 8, 9]
    await close(crowd)


async def test_a_stalled_crowd_fills_from_the_database_with_one_query_or_two(
    case_in_progress, clinician, monkeypatch
):
    d = case_in_progress
    crowd = await open_crowd(d.pk, clinician)
    await asyncio.sleep(0.2)  # every socket has replayed up to 3
    reads: list[int] = []
    real_events_after = streaming.events_after

    def counted(deliberation_id: int, seq: int) -> list[streaming.EventMessage]:
        reads.append(seq)
        return real_events_after(deliberation_id, seq)

    monkeypatch.setattr(streaming, "events_after", counted)

    # Stored, but the layer never carries them: every socket's watchdog fills at once.
    await sync_to_async(streaming.record)(
        d.pk,
        [
            ("member.delta", streaming.MemberDelta(member=1, round=1, text="a")),
            ("deliberation.failed", streaming.DeliberationFailed(reason="test", escalation=None)),
        ],
    )
    received = await receive_all(crowd, 2)

    assert all([m["seq"] for m in got] == [4, 5] for got in received)
    assert 1 <= len(reads) <= 2
    await close(crowd)
