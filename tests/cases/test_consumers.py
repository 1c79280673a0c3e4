"""The deliberation websocket on the real ASGI application: origin check, session auth,
per-case access, replay from a sequence number, then live events without gaps or repeats."""

from __future__ import annotations

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


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def open_socket(deliberation_id: int, user=None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin, (b"host", b"127.0.0.1:8000")]
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
        d.pk, [("member.delta", {"member": 1, "round": 1, "text": "a"})]
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
