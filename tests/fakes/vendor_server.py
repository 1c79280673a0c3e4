"""A local HTTP server speaking the OpenAI and Anthropic wire formats, for testing the real
SDK clients without a network.

Routes: OpenAI ``POST /v1/chat/completions`` (SSE ``chat.completion.chunk`` lines, the usage
chunk when ``stream_options.include_usage`` is set, then ``data: [DONE]``) and
``GET /v1/models``; Anthropic ``POST /v1/messages`` (SSE ``message_start``,
``content_block_start``, ``ping``, ``content_block_delta``, ``content_block_stop``,
``message_delta`` with usage, ``message_stop``), ``GET /v1/models`` and
``GET /v1/models/{id}``. The two vendors are told apart by the ``anthropic-version`` header.

Behaviour is scripted per request: :meth:`VendorServer.enqueue` queues :class:`Reply` objects
(answer, slow answer, dropped connection, HTTP error with or without ``Retry-After``), and a
``responder`` answers whatever the queue does not. Every request is recorded with its body,
headers and arrival time, and whether the client went away before the response ended.

The server runs its own event loop in a daemon thread, so sync and async tests, management
commands and benchmarks can all use it. One request per connection (``Connection: close``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OPENAI_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "requests"}
ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``status`` 200 streams ``text`` in pieces of ``chunk_chars`` characters, waiting
    ``first_byte_delay_s`` before the headers and ``delay_s`` between pieces; the usage
    reported is ``input_tokens`` and ``output_tokens`` (default: one token per 4 characters
    of the request's system and messages, and of ``text``).
    ``drop_after_chunks`` closes the socket after that many pieces (0: before any byte of
    the response). Other statuses send a vendor-format error body with ``message``.
    """

    text: str = ""
    status: int = 200
    message: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    chunk_chars: int = 8
    delay_s: float = 0.0
    first_byte_delay_s: float = 0.0
    drop_after_chunks: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    report_usage: bool = True  # False: ignore include_usage, as some compatible servers do

    @property
    def pieces(self) -> list[str]:
        return [
            self.text[i : i + self.chunk_chars] for i in range(0, len(self.text), self.chunk_chars)
        ]

    def prompt_tokens(self, record: Recorded) -> int:
        if self.input_tokens is not None:
            return self.input_tokens
        body = record.body if isinstance(record.body, dict) else {}
        chars = len(str(body.get("system", ""))) + sum(
            len(str(m.get("content", ""))) for m in body.get("messages", [])
        )
        return max(1, chars // 4)

    @property
    def completion_tokens(self) -> int:
        return self.output_tokens if self.output_tokens is not None else max(1, len(self.text) // 4)


def answer(text: str, **kwargs: Any) -> Reply:
    """A streamed answer of ``text`` (see Reply for the keyword arguments)."""
    return Reply(text=text, **kwargs)


def error(status: int, message: str = "", *, retry_after: str | None = None) -> Reply:
    """An HTTP error in the vendor's format, with a ``Retry-After`` header when given."""
    headers = (("retry-after", retry_after),) if retry_after is not None else ()
    return Reply(status=status, message=message or f"scripted error {status}", headers=headers)


def drop(after_chunks: int = 0, text: str = "partial answer that never ends") -> Reply:
    """A connection closed by the server after ``after_chunks`` pieces of ``text``."""
    return Reply(text=text, drop_after_chunks=after_chunks)


@dataclass
class Recorded:
    """One request as the server saw it."""

    vendor: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float
    completed: bool = False
    client_disconnected: bool = False
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def bearer(self) -> str:
        """The API key the client sent, whichever header carried it."""
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth else self.headers.get("x-api-key", "")


Responder = Callable[[Recorded], Reply]


class VendorServer:
    """See the module docstring. Use as a context manager or call start()/stop()."""

    def __init__(self, *, models: tuple[str, ...] = ("gpt-test", "claude-test")) -> None:
        self.models = models
        self.responder: Responder | None = None
        self.accepted_keys: set[str] | None = None
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="vendor-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    # --- control (any thread) -------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for the Anthropic SDK (it appends ``/v1/...``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        """Base URL for the OpenAI SDK (it appends ``/chat/completions``)."""
        return f"{self.url}/v1"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def calls(self, path_suffix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    def wait_finished(self, index: int, timeout: float = 5.0) -> Recorded:
        """Block until request ``index`` has been answered or abandoned by the client."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if index < len(self.requests):
                    record = self.requests[index]
                    break
            time.sleep(0.005)
        else:
            raise TimeoutError(f"request {index} never arrived")
        if not record.finished.wait(max(0.0, deadline - time.monotonic())):
            raise TimeoutError(f"request {index} never finished")
        return record

    def start(self) -> VendorServer:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("vendor server did not start")
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> VendorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the server (its own thread) ------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def boot() -> None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run_until_complete(boot())
        self._ready.set()
        self._loop.run_forever()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        body = json.loads(raw) if raw else None
        vendor = "anthropic" if "anthropic-version" in headers else "openai"
        record = Recorded(vendor, method, path.split("?")[0], headers, body, time.monotonic())
        with self._lock:
            self.requests.append(record)
            reply = self._queue.popleft() if self._queue else None
        try:
            await self._respond(record, reply, reader, writer)
        finally:
            record.finished.set()

    def _default(self, record: Recorded) -> Reply:
        if record.path.startswith("/v1/models"):
            return Reply(status=200)
        if self.responder is not None:
            return self.responder(record)
        return error(400, "fake vendor server: no reply scripted for this request")

    async def _respond(
        self,
        record: Recorded,
        reply: Reply | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        if self.accepted_keys is not None and record.bearer not in self.accepted_keys:
            reply = error(401, f"Incorrect API key provided: {record.bearer}.")
        elif reply is None:
            reply = self._default(record)
        # Connection: close, so a read that returns EOF means the client hung up.
        gone = asyncio.ensure_future(reader.read(1))
        try:
            if await _hung_up(gone, reply.first_byte_delay_s):
                record.client_disconnected = True
                return
            if reply.drop_after_chunks == 0:
                return
            if reply.status != 200:
                await _send_json(
                    writer, reply.status, self._error_body(record, reply), reply.headers
                )
            elif record.path.startswith("/v1/models"):
                wanted = record.path.removeprefix("/v1/models").strip("/")
                if wanted and wanted not in self.models:
                    missing = error(404, f"model: {wanted}")
                    await _send_json(writer, 404, self._error_body(record, missing), ())
                else:
                    await _send_json(writer, 200, self._models_body(record, wanted), ())
            elif not await self._stream(record, reply, writer, gone):
                return
            record.completed = True
        except ConnectionError:
            record.client_disconnected = True
        finally:
            gone.cancel()

    def _models_body(self, record: Recorded, wanted: str) -> dict[str, Any]:
        if record.vendor == "openai":
            return {
                "object": "list",
                "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                    for m in self.models
                ],
            }
        info = [
            {
                "id": m,
                "type": "model",
                "display_name": m.title(),
                "created_at": "2026-01-01T00:00:00Z",
                "lifecycle": "active",
            }
            for m in self.models
        ]
        if wanted:
            return next(i for i in info if i["id"] == wanted)
        return {"data": info, "has_more": False, "first_id": None, "last_id": None}

    def _error_body(self, record: Recorded, reply: Reply) -> dict[str, Any]:
        if record.vendor == "anthropic":
            kind = ANTHROPIC_ERROR_TYPES.get(reply.status, "api_error")
            return {"type": "error", "error": {"type": kind, "message": reply.message}}
        kind = OPENAI_ERROR_TYPES.get(reply.status, "server_error")
        return {"error": {"message": reply.message, "type": kind, "param": None, "code": None}}

    async def _stream(
        self,
        record: Recorded,
        reply: Reply,
        writer: asyncio.StreamWriter,
        gone: asyncio.Future[bytes],
    ) -> bool:
        """Stream the SSE answer; False when the client hung up or the script dropped it."""
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        events = (
            _anthropic_events(record, reply)
            if record.vendor == "anthropic"
            else _openai_events(record, reply)
        )
        sent_pieces = 0
        for is_piece, event in events:
            if is_piece:
                if reply.drop_after_chunks is not None and sent_pieces >= reply.drop_after_chunks:
                    await writer.drain()
                    return False
                if sent_pieces and await _hung_up(gone, reply.delay_s):
                    record.client_disconnected = True
                    return False
                sent_pieces += 1
            data = event.encode()
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
            if gone.done():
                record.client_disconnected = True
                return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


async def _hung_up(gone: asyncio.Future[bytes], delay_s: float) -> bool:
    """Wait ``delay_s`` (or not at all); True when the client closed its end meanwhile."""
    if delay_s > 0:
        await asyncio.wait({gone}, timeout=delay_s)
    else:
        await asyncio.sleep(0)
    return gone.done() and not gone.cancelled() and gone.result() == b""


async def _send_json(
    writer: asyncio.StreamWriter, status: int, body: Any, headers: tuple[tuple[str, str], ...]
) -> None:
    from http import HTTPStatus

    data = json.dumps(body).encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    writer.write(
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(data)}\r\nconnection: close\r\n{extra}\r\n".encode()
        + data
    )
    await writer.drain()


def _sse(data: Any, event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{prefix}data: {payload}\n\n"


def _openai_events(record: Recorded, reply: Reply) -> list[tuple[bool, str]]:
    model = record.body.get("model", "") if isinstance(record.body, dict) else ""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return _sse(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    events = [(False, chunk({"role": "assistant", "content": ""}))]
    events += [(True, chunk({"content": piece})) for piece in reply.pieces]
    events.append((False, chunk({}, "stop")))
    options = record.body.get("stream_options") or {} if isinstance(record.body, dict) else {}
    if options.get("include_usage") and reply.report_usage:
        prompt = reply.prompt_tokens(record)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": prompt + reply.completion_tokens,
        }
        events.append(
            (
                False,
                _sse(
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                ),
            )
        )
    events.append((False, _sse("[DONE]")))
    return events


def _anthropic_events(record: Recorded, reply: Reply) -> list[tuple[bool, str]]:
    body = record.body if isinstance(record.body, dict) else {}
    tool = (body.get("tool_choice") or {}).get("name")
    if tool:
        block: dict[str, Any] = {"type": "tool_use", "id": "toolu_fake", "name": tool, "input": {}}
    else:
        block = {"type": "text", "text": ""}
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": body.get("model", ""),
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.prompt_tokens(record), "output_tokens": 1},
    }
    events = [
        (False, _sse({"type": "message_start", "message": message}, "message_start")),
        (
            False,
            _sse(
                {"type": "content_block_start", "index": 0, "content_block": block},
                "content_block_start",
            ),
        ),
        (False, _sse({"type": "ping"}, "ping")),
    ]
    for piece in reply.pieces:
        delta = (
            {"type": "input_json_delta", "partial_json": piece}
            if tool
            else {"type": "text_delta", "text": piece}
        )
        events.append(
            (
                True,
                _sse(
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                    "content_block_delta",
                ),
            )
        )
    events += [
        (False, _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")),
        (
            False,
            _sse(
                {
                    "type": "message_delta",
                    "delta": {
                        "stop_reason": "tool_use" if tool else "end_turn",
                        "stop_sequence": None,
                    },
                    "usage": {"output_tokens": reply.completion_tokens},
                },
                "message_delta",
            ),
        ),
        (False, _sse({"type": "message_stop"}, "message_stop")),
    ]
    return events


def last_user_message(record: Recorded) -> str:
    """The text of the last user turn of a chat-completions or messages request."""
    body = record.body if isinstance(record.body, dict) else {}
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    return content if isinstance(content, str) else json.dumps(content)


def panel_responder(
    diagnosis: str = "Community-acquired pneumonia",
    icd10: str = "J18.9",
    *,
    first_answers: dict[str, str] | None = None,
    **reply_fields: Any,
) -> Responder:
    """Answers like an honest panel member that believes ``diagnosis``: proposes it in
    Round 1 and, in Round 2, votes for the ballot letter whose code shares its category.

    ``first_answers`` maps a model name to the raw text that model sends instead of its
    first proposal (malformed JSON, an invalid code...); its repair answer is the honest one.
    """
    category = icd10.replace(".", "")[:3]

    def respond(record: Recorded) -> Reply:
        body = record.body if isinstance(record.body, dict) else {}
        prompt = last_user_message(record)
        if "<proposals>" in prompt:
            section = prompt.split("<proposals>", 1)[1].split("</proposals>", 1)[0]
            entries = [json.loads(line) for line in section.strip().splitlines()]
            chosen = next(
                (e for e in entries if (e.get("icd10") or "").replace(".", "")[:3] == category),
                entries[0],
            )
            text = json.dumps({"vote": chosen["letter"], "reasoning": f"{diagnosis} fits best."})
            return Reply(text=text, **reply_fields)
        is_repair = len(body.get("messages", [])) > 2
        special = (first_answers or {}).get(str(body.get("model", "")))
        if special is not None and not is_repair:
            return Reply(text=special, **reply_fields)
        proposal = {
            "diagnosis": diagnosis,
            "icd10": icd10,
            "confidence": 85,
            "reasoning": "Fever, productive cough and focal crackles.",
            "differential": ["Acute bronchitis"],
        }
        return Reply(text=json.dumps(proposal), **reply_fields)

    return respond
