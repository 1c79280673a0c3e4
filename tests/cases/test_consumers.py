"""The deliberation websocket on the real ASGI application: origin check, session auth,
per-case access, replay from a sequence number, then live events without gaps or repeats."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from cases import streaming
from cases.consumers import CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from consensus_site.asgi import application
from tests.cases.scenarios import consensus_panel, delta, started_case

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
HOST = (b"host", b"127.0.0.1:8000")  # the origin check compares scheme, host and port


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def open_socket(deliberation_id: int, user=None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin, HOST]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    return WebsocketCommunicator(application, f"/ws/deliberations/{deliberation_id}/", headers)


async def receive_seqs(communicator: WebsocketCommunicator, count: int) -> list[int]:
    return [(await communicator.receive_json_from(timeout=2))["seq"] for _ in range(count)]


@pytest.fixture
def case_in_progress(clinician):
    """A deliberation with 3 events: started, round 1, a first delta from member 0."""
    return started_case(clinician, consensus_panel())


async def test_refuses_a_socket_without_a_login(case_in_progress):
    communicator = await open_socket(case_in_progress.pk)

    connected, code = await communicator.connect()

    assert not connected and code == CLOSE_UNAUTHENTICATED
    await communicator.disconnect()


async def test_refuses_a_socket_from_another_site(case_in_progress, clinician):
    communicator = await open_socket(
        case_in_progress.pk, clinician, origin=(b"origin", b"http://evil.example")
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


async def test_refuses_another_clinicians_case_like_a_missing_one(
    case_in_progress, other_clinician
):
    theirs = await open_socket(case_in_progress.pk, other_clinician)
    missing = await open_socket(999_999, other_clinician)

    assert await theirs.connect() == (False, CLOSE_NOT_FOUND)
    assert await missing.connect() == (False, CLOSE_NOT_FOUND)
    await theirs.disconnect()
    await missing.disconnect()


async def test_reviewer_may_watch_any_case(case_in_progress, reviewer):
    communicator = await open_socket(case_in_progress.pk, reviewer)

    connected, _ = await communicator.connect()

    assert connected
    await communicator.disconnect()


async def test_replays_what_the_page_missed_from_its_sequence_number(case_in_progress, clinician):
    communicator = await open_socket(case_in_progress.pk, clinician)
    await communicator.connect()

    await communicator.send_json_to({"resume_from": 1})

    first = await communicator.receive_json_from(timeout=2)
    second = await communicator.receive_json_from(timeout=2)
    assert (first["seq"], first["type"], first["payload"]) == (2, "round.started", {"round": 1})
    assert (second["seq"], second["type"]) == (3, "member.delta")
    assert second["payload"] == {"member": 0, "round": 1, "text": '{"diagnosis": '}
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_live_events_follow_the_replay_without_duplicates_or_gaps(
    case_in_progress, clinician
):
    d = case_in_progress
    communicator = await open_socket(d.pk, clinician)
    await communicator.connect()
    # Published after the socket joined the group but before it asked to resume: these are
    # both in the database replay and queued as live messages; each must arrive once.
    await sync_to_async(delta)(d, 1, "Pneu")
    await sync_to_async(delta)(d, 1, "monia")

    await communicator.send_json_to({"resume_from": 0})
    replayed = await receive_seqs(communicator, 5)
    await sync_to_async(delta)(d, 2, "Asthma")
    live = await receive_seqs(communicator, 1)

    assert replayed + live == [1, 2, 3, 4, 5, 6]
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_a_live_event_ahead_of_a_gap_is_preceded_by_the_missing_ones(
    case_in_progress, clinician
):
    d = case_in_progress
    communicator = await open_socket(d.pk, clinician)
    await communicator.connect()
    await communicator.send_json_to({"resume_from": 3})
    assert await communicator.receive_nothing(timeout=0.1)
    # Seq 4 is written but its group message is lost (e.g. a layer hiccup); seq 5 arrives.
    await sync_to_async(streaming.record)(
        d.pk, [("member.delta", streaming.MemberDelta(member=1, round=1, text="a"))]
    )
    await sync_to_async(delta)(d, 1, "b")

    assert await receive_seqs(communicator, 2) == [4, 5]
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_events_of_other_deliberations_never_reach_the_socket(case_in_progress, clinician):
    other = await sync_to_async(lambda: started_case(clinician, consensus_panel("other")))()
    communicator = await open_socket(case_in_progress.pk, clinician)
    await communicator.connect()
    await communicator.send_json_to({"resume_from": 3})

    await sync_to_async(delta)(other, 0, "not for you")

    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.parametrize("message", [{"resume_from": -1}, {"resume_from": "3"}, {"claim": 1}])
async def test_anything_but_a_resume_request_closes_the_socket(
    case_in_progress, clinician, message
):
    communicator = await open_socket(case_in_progress.pk, clinician)
    await communicator.connect()

    await communicator.send_json_to(message)

    assert await communicator.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_BAD_REQUEST,
    }
    await communicator.disconnect()


# --- delivery that does not depend on the channel layer -------------------------------------


async def test_a_stream_that_goes_quiet_is_filled_from_the_database(case_in_progress, clinician):
    d = case_in_progress
    communicator = await open_socket(d.pk, clinician)
    await communicator.connect()
    await communicator.send_json_to({"resume_from": 3})
    assert await communicator.receive_nothing(timeout=0.1)

    # The last events are stored but their group messages are lost, and nothing follows.
    await sync_to_async(streaming.record)(
        d.pk,
        [
            ("member.delta", streaming.MemberDelta(member=1, round=1, text="a")),
            ("deliberation.failed", streaming.DeliberationFailed(reason="test", escalation=None)),
        ],
    )

    got = [await communicator.receive_json_from(timeout=10) for _ in range(2)]
    assert [(e["seq"], e["type"]) for e in got] == [(4, "member.delta"), (5, "deliberation.failed")]
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


VIEWERS = 300


async def test_300_viewers_all_receive_the_whole_stream_through_a_layer_that_drops(
    case_in_progress, clinician, settings
):
    # A channel holds 2 messages: the layer drops most of a burst for every socket, as
    # channels-redis does past its capacity.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 2}}
    }
    d = case_in_progress
    cookie = (b"cookie", await sync_to_async(session_cookie)(clinician))
    viewers = [
        WebsocketCommunicator(application, f"/ws/deliberations/{d.pk}/", [ORIGIN, HOST, cookie])
        for _ in range(VIEWERS)
    ]
    for viewer in viewers:
        assert (await viewer.connect(timeout=20))[0]
        await viewer.send_json_to({"resume_from": 3})

    events: list[streaming.Event] = [
        ("member.delta", streaming.MemberDelta(member=0, round=1, text=f"t{i} ")) for i in range(20)
    ]
    finished = streaming.DeliberationFinished(
        outcome="no_consensus",
        reason="no_supermajority",
        winner=None,
        tally={},
        q=3,
        faults=[],
        escalation=None,
        escalation_reason="",
        dissent=[],
        abstentions=0,
        tokens=0,
    )
    await streaming.apublish_many(d.pk, [*events, ("deliberation.finished", finished)])
    stored = await sync_to_async(streaming.events_after)(d.pk, 3)

    async def until_end(viewer: WebsocketCommunicator) -> list[int]:
        seqs: list[int] = []
        while not seqs or seqs[-1] != stored[-1]["seq"]:
            seqs.append((await viewer.receive_json_from(timeout=60))["seq"])
        return seqs

    received = await asyncio.gather(*(until_end(v) for v in viewers))
    assert all(seqs == [e["seq"] for e in stored] for seqs in received)
    for viewer in viewers:
        await viewer.disconnect()


# --- the escalation queue's socket ------------------------------------------------------------


async def test_a_reconnecting_queue_page_gets_the_escalations_it_missed(clinician, reviewer):
    from cases import deliberation
    from tests.cases.scenarios import run_case, split_panel

    seen = await sync_to_async(lambda: run_case(clinician, split_panel("s1")))()
    first = await seen.escalations.aget()
    # Created while the page was disconnected:
    missed = await sync_to_async(lambda: run_case(clinician, split_panel("s2")))()
    resolved_later = await sync_to_async(
        lambda: deliberation.fail(
            run_case(clinician, consensus_panel("c1")).pk, "not a failure: finished"
        )
    )()
    assert resolved_later is None  # finished deliberations are never failed
    cookie = (b"cookie", await sync_to_async(session_cookie)(reviewer))
    queue = WebsocketCommunicator(application, "/ws/escalations/", [ORIGIN, HOST, cookie])
    assert (await queue.connect())[0]

    await queue.send_json_to({"resume_after": first.pk})

    got = await queue.receive_json_from(timeout=2)
    assert (got["type"], got["id"]) == ("escalation.created", (await missed.escalations.aget()).pk)
    assert await queue.receive_nothing(timeout=0.2)
    await queue.disconnect()


def denied_sockets() -> list[tuple[str | None, str, int, str]]:
    from cases.models import AuditEvent

    rows = AuditEvent.objects.filter(action="access.denied", object_type="ws.path")
    return [
        (e.actor.username if e.actor else None, e.payload["path"], e.payload["close_code"],
         e.payload["reason"])
        for e in rows.select_related("actor").order_by("seq")
    ]  # fmt: skip


async def test_each_refused_socket_is_audited_once(case_in_progress, clinician, other_clinician):
    """4401 and 4404 are access decisions like a 403: one audit row per refused connection,
    with who (when known), where and why; an accepted socket writes none."""
    d = case_in_progress
    anonymous = await open_socket(d.pk)
    theirs = await open_socket(d.pk, other_clinician)
    queue = WebsocketCommunicator(
        application,
        "/ws/escalations/",
        [ORIGIN, HOST, (b"cookie", await sync_to_async(session_cookie)(other_clinician))],
    )
    assert await anonymous.connect() == (False, CLOSE_UNAUTHENTICATED)
    assert await theirs.connect() == (False, CLOSE_NOT_FOUND)
    assert await queue.connect() == (False, CLOSE_NOT_FOUND)
    own = await open_socket(d.pk, clinician)
    assert (await own.connect())[0]
    for communicator in (anonymous, theirs, queue, own):
        await communicator.disconnect()

    path = f"/ws/deliberations/{d.pk}/"
    assert await sync_to_async(denied_sockets)() == [
        (None, path, CLOSE_UNAUTHENTICATED, "unauthenticated"),
        ("clin2", path, CLOSE_NOT_FOUND, "not_found"),
        ("clin2", "/ws/escalations/", CLOSE_NOT_FOUND, "not_a_reviewer"),
    ]


@pytest.mark.scaleout
async def test_an_idle_socket_stays_open_for_30_s_on_redis(
    case_in_progress, clinician, redis_url, settings
):
    from consensus_site.settings import redis_channel_layer

    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_url)}
    d = case_in_progress
    communicator = await open_socket(d.pk, clinician)
    assert (await communicator.connect())[0]
    await communicator.send_json_to({"resume_from": 3})

    assert await communicator.receive_nothing(timeout=31, interval=1)  # idle, and still open
    seq = await sync_to_async(delta)(d, 1, "still here")

    got = await communicator.receive_json_from(timeout=5)
    assert (got["seq"], got["payload"]["text"]) == (seq, "still here")
    await communicator.disconnect()
