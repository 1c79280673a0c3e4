"""The production channel layer (Redis pub/sub) on real Redis: one group message reaches every
local socket of a deliberation through the process's one subscription, and a room hears its
group again after Redis restarts, without joining again."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from cases import rooms, streaming
from consensus_site.asgi import application
from consensus_site.settings import redis_channel_layer
from tests.cases.scaleout import RedisServer, free_port, wait_until
from tests.cases.scenarios import consensus_panel, started_case
from tests.cases.test_consumers import HOST, ORIGIN, session_cookie

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]

CROWD = 30


@pytest.fixture
def case_in_progress(clinician):
    """A deliberation with 3 events: started, round 1, a first delta from member 0."""
    return started_case(clinician, consensus_panel())


@pytest.fixture
def no_watchdog(monkeypatch):
    """Rooms do not fill from the database within a test: what a socket gets came through
    the channel layer."""
    monkeypatch.setattr(rooms, "STALL_FIRST_S", 600.0)
    monkeypatch.setattr(rooms, "STALL_MAX_S", 600.0)


def production_layer(url: str, settings: Any) -> dict[str, Any]:
    """The production layer on ``url``, with a prefix of this test run's own (pub/sub names
    span the shared Redis's databases, where other test runs may use the same ids)."""
    layer = redis_channel_layer(url)
    layer["CONFIG"]["prefix"] = f"asgi.test{os.getpid()}."
    settings.CHANNEL_LAYERS = {"default": layer}
    return layer


def subscribers(url: str, layer: dict[str, Any], deliberation_id: int) -> int:
    """How many connections (daphne processes) Redis knows subscribed to the group."""
    channel = f"{layer['CONFIG']['prefix']}__group__{streaming.group_name(deliberation_id)}"
    ((_, count),) = redis.Redis.from_url(url).pubsub_numsub(channel)
    return int(count)


async def open_crowd(deliberation_id: int, user: Any, count: int) -> list[WebsocketCommunicator]:
    cookie = (b"cookie", await sync_to_async(session_cookie)(user))
    crowd = []
    for _ in range(count):
        socket = WebsocketCommunicator(
            application, f"/ws/deliberations/{deliberation_id}/", [ORIGIN, HOST, cookie]
        )
        assert (await socket.connect(timeout=10))[0]
        await socket.send_json_to({"resume_from": 3})
        crowd.append(socket)
    return crowd


async def send_from_another_process(deliberation_id: int) -> list[int]:
    """Store two events and send them as a worker does, as one group message from a layer of
    its own (another connection, as another process would have); their sequence numbers."""
    events: list[streaming.Event] = [
        ("member.delta", streaming.MemberDelta(member=0, round=1, text=f"t{i} ")) for i in (1, 2)
    ]
    messages = await sync_to_async(streaming.record)(deliberation_id, events)
    worker = channel_layers.make_backend("default")
    try:
        await worker.group_send(
            streaming.group_name(deliberation_id),
            {"type": "deliberation.events", "events": messages},
        )
    finally:
        await worker.flush()
    return [m["seq"] for m in messages]


async def received_seqs(socket: WebsocketCommunicator, count: int) -> list[int]:
    return [(await socket.receive_json_from(timeout=10))["seq"] for _ in range(count)]


async def test_one_group_message_reaches_every_local_socket_of_the_group(
    case_in_progress, clinician, redis_url, settings, no_watchdog
):
    layer = production_layer(redis_url, settings)
    d = case_in_progress
    crowd = await open_crowd(d.pk, clinician, CROWD)
    # The process is one subscriber of the group, however many sockets watch.
    assert await sync_to_async(subscribers)(redis_url, layer, d.pk) == 1

    seqs = await send_from_another_process(d.pk)

    got = await asyncio.gather(*(received_seqs(socket, len(seqs)) for socket in crowd))
    assert got == [seqs] * CROWD
    for socket in crowd:
        await socket.disconnect()
    # The last socket out ends the subscription: nothing is left to expire.
    assert await sync_to_async(subscribers)(redis_url, layer, d.pk) == 0


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_room_hears_its_group_again_after_redis_restarts(
    case_in_progress, clinician, own_redis, settings, no_watchdog
):
    layer = production_layer(own_redis.url, settings)
    d = case_in_progress
    (socket,) = await open_crowd(d.pk, clinician, 1)
    assert await sync_to_async(subscribers)(own_redis.url, layer, d.pk) == 1

    await sync_to_async(own_redis.stop)()
    await sync_to_async(own_redis.start)()  # empty, the same port: every subscription gone
    # The layer's connection notices, reconnects and subscribes again by itself.
    await sync_to_async(wait_until)(
        lambda: subscribers(own_redis.url, layer, d.pk) == 1,
        timeout=30,
        what="the room's subscription after the restart",
    )

    seqs = await send_from_another_process(d.pk)

    assert await received_seqs(socket, len(seqs)) == seqs
    await socket.disconnect()
