"""What the websocket benchmarks share: a minimal RFC 6455 client (text frames only), a
signed-in session cookie, a free loopback port and a clock that every process shares."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import time
from typing import Any


def clock() -> float:
    """Seconds on CLOCK_MONOTONIC: one clock for every process of the machine, so an emit
    time taken in one process and a receive time taken in another can be subtracted."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def session_cookie(user: Any) -> str:
    """A ``Cookie`` header value signing ``user`` in (a database session)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    # The project's own backend: a session naming another one is anonymous.
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Socket:
    """A websocket client on 127.0.0.1: sends short JSON text frames, receives JSON."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, path: str, cookie: str) -> Socket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        status = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"websocket refused: {status[:80]!r}")
        return cls(reader, writer)

    async def send(self, data: dict[str, Any]) -> None:
        await self._send_frame(0x1, json.dumps(data).encode())

    async def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        header = bytes([0x80 | opcode, 0x80 | len(payload)]) + mask  # short frames (< 126 B)
        self.writer.write(header + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        await self.writer.drain()

    async def events(self) -> list[dict[str, Any]]:
        """The events of the next frame: a batched frame's list, or a one-event frame's event."""
        data: Any = await self.receive()
        return data if isinstance(data, list) else [data]

    async def receive(self) -> Any:
        while True:
            opcode, data = await self._frame()
            if opcode == 0x8:
                raise ConnectionError("server closed the socket")
            if opcode == 0x1:
                return json.loads(data)
            if opcode == 0x9:
                # daphne pings every 20 s and drops a socket that does not answer in 30 s.
                await self._send_frame(0xA, data)

    async def _frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()
