"""Refuse request bodies over ``REQUEST_BODY_MAX_BYTES`` before they are buffered.

Two layers: the ASGI wrapper refuses a declared ``Content-Length`` over the cap without
reading a byte, and counts a streamed (chunked) body as it arrives, refusing it once over the
cap; daphne itself spools a whole body and queues all of it for the application before the
application runs, so :func:`install_daphne_guard` makes daphne's request refuse it as soon as
the length is known (or the running count passes it), before the body is read."""

from __future__ import annotations

import json
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, HTTPScope
from django.conf import settings

TOO_LARGE = "The request body is larger than this server accepts ({limit} bytes)."


def _payload(limit: int) -> bytes:
    return json.dumps({"detail": TOO_LARGE.format(limit=limit)}).encode()


def _declared_length(scope: HTTPScope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    """ASGI middleware: 413 with a JSON ``detail`` for bodies over
    ``settings.REQUEST_BODY_MAX_BYTES``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @property
    def max_bytes(self) -> int:
        return int(settings.REQUEST_BODY_MAX_BYTES)

    async def __call__(
        self, scope: Any, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        over = started = False

        async def counted_receive() -> Any:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # To the application the client is gone: Django drops what it has
                    # read (and its temporary file) and answers nothing; the 413 is ours.
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Any) -> None:
            nonlocal started
            if over:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if over and not started:
            await self._refuse(send)

    async def _refuse(self, send: ASGISendCallable) -> None:
        body = _payload(self.max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
                "trailers": False,
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _raw_413(limit: int) -> bytes:
    body = _payload(limit)
    head = (
        "HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def install_daphne_guard(max_bytes: int) -> None:
    """Make daphne's request refuse an oversized body while it arrives (idempotent; does
    nothing when daphne is not the server)."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # pragma: no cover - daphne is a dependency
        return
    if getattr(WebRequest, "_body_guard", None) == max_bytes:
        return
    original_length = WebRequest.gotLength
    original_chunk = WebRequest.handleContentChunk

    def refuse(request: Any) -> None:
        request._body_refused = True
        request.channel.transport.write(_raw_413(max_bytes))
        request.channel.transport.loseConnection()

    def got_length(self: Any, length: int | None) -> None:
        self._body_seen = 0
        if length is not None and length > max_bytes:
            refuse(self)
            original_length(self, 0)  # nothing of it will be kept
            return
        original_length(self, length)

    def handle_chunk(self: Any, data: bytes) -> None:
        if getattr(self, "_body_refused", False):
            return
        self._body_seen = getattr(self, "_body_seen", 0) + len(data)
        if self._body_seen > max_bytes:
            refuse(self)
            return
        original_chunk(self, data)

    WebRequest.gotLength = got_length
    WebRequest.handleContentChunk = handle_chunk
    WebRequest._body_guard = max_bytes
