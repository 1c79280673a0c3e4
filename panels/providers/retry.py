"""What the vendor modules share: retries with backoff, and vendor errors in plain words.

A vendor module performs one attempt at a time and turns whatever its SDK raises into a
:class:`Failure` (through :func:`from_status` or :func:`connection_failed`); :func:`call`
repeats attempts under a :class:`Policy` and hands the caller a plain
:class:`~panels.providers.base.ProviderError`.

The rules:

- 429, 408, 409 and every 5xx, dropped or refused connections and timeouts are retryable;
  every other 4xx (400, 401, 403, 404, 422...) is not and is never retried.
- The wait before retry *k* (1-based) is "full jitter": uniform in
  ``[0, min(max_delay_s, base_delay_s * 2**(k-1))]``; a ``Retry-After`` (or
  ``retry-after-ms``) header from the vendor replaces it, capped at ``max_retry_after_s``.
- Attempts are repeated only while nothing has reached ``on_delta``. A stream that breaks
  after emitting text fails with a retryable :class:`ProviderError` and is *not* restarted:
  the consumer (the live page) has already shown that text and a silent restart would show
  it twice. The orchestrator decides what the failure means for the member.
- Vendor messages are shortened, and anything that looks like an API key is removed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import httpx2

from panels.providers.base import Completion, DeltaSink, MemberSpec, ProviderError

RETRYABLE_STATUS = frozenset({408, 409, 429})
MAX_MESSAGE_CHARS = 300

NO_KEY = "No API key is configured for this member; add a credential in the admin."
STREAM_BROKE = "{vendor}: the stream broke off after {chars} characters of text ({why})."
TIMED_OUT = "{vendor}: no response in time ({why})."
CONNECTION_FAILED = "{vendor}: could not reach {url} ({why})."
STATUS_FAILED = "{vendor} answered HTTP {status}: {message}"
GAVE_UP = " Gave up after {attempts} attempts."

# Vendor keys, masked or not (OpenAI echoes "Incorrect API key provided: sk-proj-****abcd"):
# sk-/sk-ant-/sk-or- (OpenAI, Anthropic, OpenRouter), gsk_ (Groq), xai-, and long opaque
# alphanumeric runs such as Together's hex keys.
_KEYLIKE = re.compile(r"\b(?:sk|gsk|xai)[-_][\w\-*.]{6,}|\b[A-Za-z0-9]{32,}\b")


class Failure(ProviderError):
    """One failed attempt, as a vendor module reports it to :func:`call`.

    ``retry_after_s`` is the vendor's own wait hint, when it sent one.
    """

    def __init__(
        self, message: str, *, retryable: bool, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.retry_after_s = retry_after_s


Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    """How often and how patiently to retry. ``max_retries`` counts retries after the first
    attempt, as the vendor SDKs' own ``max_retries`` does."""

    max_retries: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 30.0
    sleep: Sleep = asyncio.sleep
    rand: Callable[[], float] = field(default=random.random)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, sleep: Sleep | None = None) -> Policy:
        """The policy a member's ``options`` ask for (``max_retries``, ``retry_base_s``,
        ``retry_max_s``). Raises ProviderError on a malformed value: bad configuration must
        fail loudly, not retry forever."""
        try:
            policy = cls(
                max_retries=int(options.get("max_retries", 3)),
                base_delay_s=float(options.get("retry_base_s", 0.5)),
                max_delay_s=float(options.get("retry_max_s", 8.0)),
            )
        except (TypeError, ValueError) as exc:
            raise ProviderError(f"invalid retry option: {exc}") from None
        if policy.max_retries < 0 or policy.base_delay_s < 0 or policy.max_delay_s < 0:
            raise ProviderError("retry options must not be negative")
        return policy if sleep is None else replace(policy, sleep=sleep)

    def delay(self, retry: int, retry_after_s: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after_s is not None:
            return max(0.0, min(retry_after_s, self.max_retry_after_s))
        return self.rand() * min(self.max_delay_s, self.base_delay_s * 2.0 ** (retry - 1))


async def call(
    attempt: Callable[[DeltaSink], Awaitable[Completion]],
    *,
    on_delta: DeltaSink,
    policy: Policy,
) -> Completion:
    """Run ``attempt`` (one request, streaming into the sink it is given) until it succeeds,
    fails for good, or has emitted text and then failed.

    Raises :class:`ProviderError` (never a bare :class:`Failure` subclass detail the caller
    must know about); cancellation passes through untouched.
    """
    emitted = False

    async def sink(delta: str) -> None:
        nonlocal emitted
        emitted = True
        await on_delta(delta)

    retries = 0
    while True:
        try:
            return await attempt(sink)
        except Failure as failure:
            if not failure.retryable or emitted or retries >= policy.max_retries:
                message = str(failure)
                if retries:
                    message += GAVE_UP.format(attempts=retries + 1)
                raise ProviderError(message, retryable=failure.retryable) from None
            retries += 1
            await policy.sleep(policy.delay(retries, failure.retry_after_s))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait the vendor asked for: ``retry-after-ms``, else ``Retry-After`` in seconds or
    as an HTTP date; None when absent or unreadable."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def from_status(
    vendor: str,
    status: int,
    *,
    body: object,
    headers: Mapping[str, str],
    api_key: str | None,
) -> Failure:
    """The Failure for an HTTP error answer, with the vendor's own message in plain words."""
    retryable = status in RETRYABLE_STATUS or status >= 500
    message = plain(vendor_message(body) or _reason(status), api_key=api_key)
    return Failure(
        STATUS_FAILED.format(vendor=vendor, status=status, message=message),
        retryable=retryable,
        retry_after_s=retry_after(headers) if retryable else None,
    )


def connection_failed(
    vendor: str, *, url: str, why: str, timed_out: bool, emitted_chars: int
) -> Failure:
    """The (retryable) Failure for a refused, dropped or timed-out connection."""
    if emitted_chars:
        message = STREAM_BROKE.format(vendor=vendor, chars=emitted_chars, why=why)
    elif timed_out:
        message = TIMED_OUT.format(vendor=vendor, why=why)
    else:
        message = CONNECTION_FAILED.format(vendor=vendor, url=url, why=why)
    return Failure(message, retryable=True)


def cause(exc: BaseException, *, api_key: str | None) -> str:
    """What underlies an SDK's generic "Connection error.": the transport's own words."""
    underlying = exc.__cause__ or exc
    return plain(str(underlying) or type(underlying).__name__, api_key=api_key)


def vendor_message(body: object) -> str:
    """The human message inside a vendor error body: ``{"error": {"message": ...}}`` (both
    OpenAI and Anthropic), ``{"message": ...}``, ``{"error": "..."}`` or a short text body."""
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            message = error.get("message")
            if isinstance(message, str) and message.strip():
                return message
        elif isinstance(error, str) and error.strip():
            return error
        message = body.get("message") or body.get("detail")
        if isinstance(message, str):
            return message
        return ""
    if isinstance(body, str) and not body.lstrip().startswith("<"):
        return body
    return ""


def plain(message: str, *, api_key: str | None) -> str:
    """One line, at most MAX_MESSAGE_CHARS, with the API key and key-like strings removed."""
    if api_key:
        message = message.replace(api_key, "[key removed]")
    message = _KEYLIKE.sub("[key removed]", message)
    message = " ".join(message.split())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return message


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def http_timeout(spec: MemberSpec) -> httpx2.Timeout:
    """Per network operation (connect, each read); the orchestrator bounds the whole call."""
    return httpx2.Timeout(spec.timeout_s, connect=min(spec.timeout_s, 10.0))


@cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every vendor client: building one costs ~15 ms (it loads the CA
    store), and a client is made per call so that closing it really closes the socket."""
    return httpx2.create_ssl_context()
