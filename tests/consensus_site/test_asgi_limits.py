"""The ASGI application refuses oversized bodies before buffering them, and websockets from
any origin but this site's own scheme, host and port."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from consensus_site.asgi import application
from consensus_site.body_limit import TOO_LARGE

MB = 1024 * 1024
CHUNK = b"x" * MB  # one buffer sent again and again: the sender holds 1 MB, not 50


async def post(headers: list[tuple[bytes, bytes]], *, chunks: int) -> tuple[int, dict[str, Any]]:
    sent = 0
    answer: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": CHUNK, "more_body": sent < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] = answer.get("body", b"") + message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/cases",
        "raw_path": b"/api/cases",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")] + headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    await application(scope, receive, send)  # type: ignore[arg-type]
    return answer["status"], json.loads(answer["body"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "headers", [[(b"content-length", str(50 * MB).encode())], []], ids=["declared", "chunked"]
)
async def test_a_50_mb_body_is_refused_without_growing_memory(settings, headers):
    settings.REQUEST_BODY_MAX_BYTES = MB
    tracemalloc.start()
    try:
        status, body = await post(headers, chunks=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413
    assert body["detail"] == TOO_LARGE.format(limit=MB)
    assert peak < 5 * MB, f"peak {peak / MB:.1f} MB while refusing a 50 MB body"


async def socket(origin: bytes, host: bytes, scheme: str = "ws") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/escalations/", headers=[(b"origin", origin), (b"host", host)]
    )
    communicator.scope["scheme"] = scheme
    return communicator


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "host", "scheme"),
    [
        (b"http://127.0.0.1:9999", b"127.0.0.1:8000", "ws"),  # another port, same host
        (b"https://127.0.0.1:8000", b"127.0.0.1:8000", "ws"),  # another scheme
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", "wss"),
        (b"http://evil.example:8000", b"evil.example:8000", "ws"),  # not an allowed host
    ],
)
async def test_a_websocket_from_another_origin_is_refused(origin, host, scheme):
    communicator = await socket(origin, host, scheme)
    connected, code = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_from_the_same_origin_reaches_the_consumer():
    communicator = await socket(b"http://127.0.0.1:8000", b"127.0.0.1:8000")
    connected, code = await communicator.connect()
    # Past the origin check the consumer itself answers: not signed in.
    assert not connected and code == 4401
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_refused_websocket_is_audited():
    from cases.models import AuditEvent

    communicator = await socket(b"http://127.0.0.1:9999", b"127.0.0.1:8000")
    await communicator.connect()
    await communicator.disconnect()
    event = await AuditEvent.objects.aget(action="access.denied")
    assert event.payload["origin"] == "http://127.0.0.1:9999"
