"""Frames on the deliberation websocket: a page that asks for batches gets the events that
waited for it together in one frame (a JSON array, in sequence order); a page that does not
ask gets one JSON object per frame, as before."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from cases import consumers, rooms, streaming
from tests.cases.scenarios import consensus_panel, started_case
from tests.cases.test_consumers import open_socket

pytestmark = pytest.mark.django_db(transaction=True)

DELTAS: list[streaming.Event] = [
    ("member.delta", streaming.MemberDelta(member=m, round=1, text=f"words of {m} "))
    for m in range(3)
]


@pytest.fixture
def case_in_progress(clinician):
    """A deliberation with 3 events: started, round 1, a first delta from member 0."""
    return started_case(clinician, consensus_panel())


async def test_a_batching_page_gets_one_write_of_several_events_in_one_frame(
    case_in_progress, clinician
):
    socket = await open_socket(case_in_progress.pk, clinician)
    await socket.connect()
    await socket.send_json_to({"resume_from": 3, "batch": True})
    assert await socket.receive_nothing(timeout=0.1)

    await streaming.apublish_many(case_in_progress.pk, DELTAS)

    frame = await socket.receive_json_from(timeout=2)
    assert [(e["seq"], e["payload"]["member"]) for e in frame] == [(4, 0), (5, 1), (6, 2)]
    assert all("append" in e or "html" in e for e in frame)  # rendered like one-event frames
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_a_batching_page_gets_its_replay_in_frames_of_at_most_frame_events(
    case_in_progress, clinician, monkeypatch
):
    monkeypatch.setattr(consumers, "FRAME_EVENTS", 2)
    socket = await open_socket(case_in_progress.pk, clinician)
    await socket.connect()

    await socket.send_json_to({"resume_from": 0, "batch": True})

    first = await socket.receive_json_from(timeout=2)
    second = await socket.receive_json_from(timeout=2)
    assert [[e["seq"] for e in frame] for frame in (first, second)] == [[1, 2], [3]]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_a_page_that_does_not_ask_for_batches_gets_one_event_a_frame(
    case_in_progress, clinician
):
    socket = await open_socket(case_in_progress.pk, clinician)
    await socket.connect()
    await socket.send_json_to({"resume_from": 3})
    assert await socket.receive_nothing(timeout=0.1)

    await streaming.apublish_many(case_in_progress.pk, DELTAS)

    frames = [await socket.receive_json_from(timeout=2) for _ in DELTAS]
    assert [frame["seq"] for frame in frames] == [4, 5, 6]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_events_an_earlier_release_sends_one_by_one_still_reach_the_page(
    case_in_progress, clinician, monkeypatch
):
    monkeypatch.setattr(rooms, "STALL_FIRST_S", 60.0)  # no fill from the database meanwhile
    socket = await open_socket(case_in_progress.pk, clinician)
    await socket.connect()
    await socket.send_json_to({"resume_from": 3, "batch": True})
    assert await socket.receive_nothing(timeout=0.1)
    (message,) = await sync_to_async(streaming.record)(case_in_progress.pk, DELTAS[:1])

    # A worker not yet upgraded during a rolling deploy: one event per group message.
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(
        streaming.group_name(case_in_progress.pk), {"type": "deliberation.event", "event": message}
    )

    assert [e["seq"] for e in await socket.receive_json_from(timeout=5)] == [4]
    await socket.disconnect()
