"""Scale-out streaming: a deliberation queued on Redis, run by a real Celery worker, its events
published through the Redis channel layer to a websocket served by this process."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from celery.contrib.testing.worker import start_worker
from channels.testing import WebsocketCommunicator
from django.test import Client

from cases import deliberation, runners, streaming
from cases.models import Deliberation
from consensus_site.asgi import application
from consensus_site.celery import app
from consensus_site.settings import redis_channel_layer
from tests.cases.scaleout import forget_broker_connections
from tests.cases.scenarios import CASE_TEXT, consensus_panel

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_everywhere(redis_url, settings):
    """Redis as broker and channel layer, the way `make run-scaleout` configures them."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    settings.DELIBERATION_RUNNER = "celery"
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_url)}
    previous = app.conf.broker_url
    forget_broker_connections(app)
    app.conf.update(broker_url=redis_url)
    yield redis_url
    forget_broker_connections(app)
    app.conf.update(broker_url=previous)


def session_header(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def watch(deliberation_id: int, cookie: tuple[bytes, bytes]) -> list[dict[str, Any]]:
    """Open the page's socket, start the deliberation, and collect events until it ends."""
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"), cookie]
    communicator = WebsocketCommunicator(
        application, f"/ws/deliberations/{deliberation_id}/", headers
    )
    assert (await communicator.connect())[0]
    await communicator.send_json_to({"resume_from": 0})
    await sync_to_async(runners.start)(deliberation_id)
    received: list[dict[str, Any]] = []
    while not received or received[-1]["type"] != "deliberation.finished":
        received.append(await communicator.receive_json_from(timeout=30))
    await communicator.disconnect()
    return received


def test_a_celery_worker_runs_the_deliberation_and_the_page_gets_every_event(
    redis_everywhere, clinician
):
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=clinician.pk)

    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        received = async_to_sync(watch)(d.pk, session_header(clinician))

    stored = streaming.events_after(d.pk, 0)
    assert [e["seq"] for e in received] == list(range(1, len(stored) + 1))
    assert [(e["type"], e["payload"]) for e in received] == [
        (e["type"], e["payload"]) for e in stored
    ]
    finished = Deliberation.objects.get(pk=d.pk)
    assert (finished.status, finished.outcome) == ("finished", "consensus")
