"""Anthropic through the official SDK's streaming Messages API.

The SDK (2.x) speaks API version ``2026-10-21``, which has no sampling parameters: a request
carrying ``temperature`` is rejected with HTTP 400. So by default the member's temperature is
*not* sent. A member whose options set ``api_version`` (e.g. ``"2023-06-01"``) is called with
that ``anthropic-version`` header and does get its temperature.

JSON comes from the prompt. With ``options["json_tool"]`` true the answer is instead forced
through a tool whose input schema is the proposal (or vote) object; the tool input is
streamed and returned as the answer text. Retry options: see :mod:`panels.providers.retry`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import anthropic
import httpx2

from panels.providers import retry
from panels.providers.base import (
    CallRequest,
    Completion,
    DeltaSink,
    MemberSpec,
    ProviderError,
    register,
    register_check,
)

VENDOR = "Anthropic"
DEFAULT_BASE_URL = "https://api.anthropic.com"
TOOL_NAME = "answer"

# Both schemas admit an abstention: {"abstain": true, "diagnosis": null, ...} in Round 1 and
# {"vote": null, ...} in Round 2 (the protocol validates the rest).
PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "abstain": {"type": "boolean"},
        "diagnosis": {"type": ["string", "null"]},
        "icd10": {"type": ["string", "null"]},
        "confidence": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "reasoning": {"type": "string"},
        "differential": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["abstain", "diagnosis", "icd10", "confidence", "reasoning", "differential"],
}


def _vote_schema(letters: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "vote": {"type": ["string", "null"], "enum": [*letters, None]},
            "reasoning": {"type": "string"},
        },
        "required": ["vote", "reasoning"],
    }


def _client(spec: MemberSpec, api_key: str) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(
        api_key=api_key,
        base_url=spec.base_url or DEFAULT_BASE_URL,
        timeout=retry.http_timeout(spec),
        max_retries=0,  # retries are ours: they must stop once text has been streamed
        http_client=anthropic.DefaultAsyncHttpxClient(verify=retry.tls_context()),
    )


def _failure(exc: Exception, *, url: str, api_key: str, emitted: int) -> retry.Failure:
    if isinstance(exc, anthropic.APIStatusError):
        if exc.status_code < 400:
            # An ``error`` event inside a 200 stream (e.g. overloaded_error): transient.
            message = retry.vendor_message(exc.body) or "error event in the stream"
            return retry.Failure(
                f"{VENDOR}: {retry.plain(message, api_key=api_key)}", retryable=True
            )
        return retry.from_status(
            VENDOR, exc.status_code, body=exc.body, headers=exc.response.headers, api_key=api_key
        )
    # The SDK wraps transport errors, except (Anthropic) those raised mid-stream.
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        return retry.connection_failed(
            VENDOR,
            url=url,
            why=retry.cause(exc, api_key=api_key),
            timed_out=isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException),
            emitted_chars=emitted,
        )
    return retry.Failure(f"{VENDOR}: {retry.plain(str(exc), api_key=api_key)}", retryable=False)


def _key(api_key: str | None) -> str:
    if not api_key:
        raise ProviderError(retry.NO_KEY)
    return api_key


@register("anthropic")
class AnthropicProvider:
    """Streams messages from Anthropic (or ``spec.base_url``).

    ``sleep`` replaces ``asyncio.sleep`` between retries (tests record the waits).
    """

    def __init__(
        self, spec: MemberSpec, api_key: str | None, *, sleep: retry.Sleep | None = None
    ) -> None:
        self.spec = spec
        self.api_key = api_key
        self.policy = retry.Policy.from_options(spec.options, sleep=sleep)
        self.url = spec.base_url or DEFAULT_BASE_URL
        self.api_version = str(spec.options.get("api_version", ""))
        self.json_tool = bool(spec.options.get("json_tool", False))

    async def complete(self, request: CallRequest, *, on_delta: DeltaSink) -> Completion:
        """See :meth:`panels.providers.base.Provider.complete`."""
        key = _key(self.api_key)
        return await retry.call(
            partial(self._attempt, request, key), on_delta=on_delta, policy=self.policy
        )

    def params(self, request: CallRequest) -> dict[str, Any]:
        """The Messages API arguments for ``request`` (without ``stream``)."""
        params: dict[str, Any] = {
            "model": self.spec.model,
            "system": request.system,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_tokens,
        }
        if self.api_version:
            params["extra_headers"] = {"anthropic-version": self.api_version}
            params["extra_body"] = {"temperature": request.temperature}
        if self.json_tool:
            schema = (
                PROPOSAL_SCHEMA
                if request.phase == "propose"
                else _vote_schema([entry.letter for entry in request.ballot])
            )
            params["tools"] = [
                {
                    "name": TOOL_NAME,
                    "description": "Give your answer as this object.",
                    "input_schema": schema,
                }
            ]
            params["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        return params

    async def _attempt(self, request: CallRequest, api_key: str, sink: DeltaSink) -> Completion:
        parts: list[str] = []
        input_tokens = output_tokens = 0
        try:
            async with _client(self.spec, api_key) as client:
                stream = await client.messages.create(**self.params(request), stream=True)
                # Leaving this block, cancelled or not, closes the response and its socket.
                async with stream:
                    async for event in stream:
                        if event.type == "message_start":
                            usage = event.message.usage
                            input_tokens = (
                                usage.input_tokens
                                + (usage.cache_creation_input_tokens or 0)
                                + (usage.cache_read_input_tokens or 0)
                            )
                            output_tokens = usage.output_tokens
                        elif event.type == "content_block_delta":
                            delta = event.delta
                            piece = ""
                            if delta.type == "text_delta" and not self.json_tool:
                                piece = delta.text
                            elif delta.type == "input_json_delta" and self.json_tool:
                                piece = delta.partial_json
                            if piece:
                                parts.append(piece)
                                await sink(piece)
                        elif event.type == "message_delta":
                            # Both counts are cumulative for the whole message.
                            output_tokens = event.usage.output_tokens
                            if event.usage.input_tokens is not None:
                                input_tokens = (
                                    event.usage.input_tokens
                                    + (event.usage.cache_creation_input_tokens or 0)
                                    + (event.usage.cache_read_input_tokens or 0)
                                )
        except (anthropic.AnthropicError, httpx2.TransportError) as exc:
            emitted = sum(len(p) for p in parts)
            raise _failure(exc, url=self.url, api_key=api_key, emitted=emitted) from None
        return Completion("".join(parts), self.spec.usage(input_tokens, output_tokens))


@register_check("anthropic")
async def check_connection(spec: MemberSpec, api_key: str | None) -> tuple[bool, str]:
    """Look up the member's model (or list models when it names none): free, no tokens.
    Returns (ok, message in plain words)."""
    key = _key(api_key)
    url = spec.base_url or DEFAULT_BASE_URL
    try:
        async with _client(spec, key) as client:
            if spec.model:
                info = await client.models.retrieve(spec.model)
                return True, f"Connected to {VENDOR}; model {info.id!r} is available."
            page = await client.models.list(limit=100)
            return True, f"Connected to {VENDOR}; {len(page.data)} models available."
    except (anthropic.AnthropicError, httpx2.TransportError) as exc:
        return False, str(_failure(exc, url=url, api_key=key, emitted=0))
