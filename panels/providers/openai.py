"""OpenAI and every OpenAI-compatible endpoint (Azure OpenAI, OpenRouter, vLLM, Ollama,
llama.cpp, Together, Groq...) through the official SDK's streaming chat completions.

Member options: ``json_mode`` (default true: ``response_format={"type": "json_object"}``;
false for servers without it, the prompt still asks for JSON), ``max_tokens_param``
(``"max_tokens"`` or ``"max_completion_tokens"``, which newer OpenAI reasoning models
require), and the retry options of :mod:`panels.providers.retry`.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai
from openai.types import CompletionUsage

from panels.providers import retry
from panels.providers.base import (
    CallRequest,
    Completion,
    DeltaSink,
    MemberSpec,
    ProviderError,
    register,
    register_check,
    word_count,
)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_TOKENS_PARAMS = ("max_tokens", "max_completion_tokens")
# Local servers (Ollama, llama.cpp, vLLM) take no key, but the SDK insists on one.
KEYLESS_PLACEHOLDER = "no-key"


def _vendor(base_url: str) -> str:
    host = urlsplit(base_url).netloc
    return "OpenAI" if host == "api.openai.com" else f"OpenAI-compatible endpoint {host}"


def _key(spec: MemberSpec, api_key: str | None) -> str:
    if api_key:
        return api_key
    if spec.base_url:
        return KEYLESS_PLACEHOLDER
    raise ProviderError(retry.NO_KEY)


def _client(spec: MemberSpec, api_key: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=spec.base_url or DEFAULT_BASE_URL,
        timeout=retry.http_timeout(spec),
        max_retries=0,  # retries are ours: they must stop once text has been streamed
        http_client=openai.DefaultAsyncHttpxClient(verify=retry.tls_context()),
    )


def _failure(exc: Exception, *, url: str, api_key: str, emitted: int) -> retry.Failure:
    vendor = _vendor(url)
    if isinstance(exc, openai.APIStatusError):
        return retry.from_status(
            vendor,
            exc.status_code,
            body=exc.body,
            headers=exc.response.headers,
            api_key=api_key,
        )
    # The SDK wraps transport errors, except (Anthropic) those raised mid-stream.
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return retry.connection_failed(
            vendor,
            url=url,
            why=retry.cause(exc, api_key=api_key),
            timed_out=isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException),
            emitted_chars=emitted,
        )
    if isinstance(exc, openai.APIError):
        # An error event inside an otherwise healthy stream: the vendor failed mid-answer.
        message = retry.plain(retry.vendor_message(exc.body) or exc.message, api_key=api_key)
        return retry.Failure(f"{vendor}: {message}", retryable=True)
    return retry.Failure(f"{vendor}: {retry.plain(str(exc), api_key=api_key)}", retryable=False)


@register("openai")
class OpenAIProvider:
    """Streams chat completions from ``spec.base_url`` (OpenAI itself when empty).

    ``sleep`` replaces ``asyncio.sleep`` between retries (tests record the waits).
    """

    def __init__(
        self, spec: MemberSpec, api_key: str | None, *, sleep: retry.Sleep | None = None
    ) -> None:
        self.spec = spec
        self.api_key = api_key
        self.policy = retry.Policy.from_options(spec.options, sleep=sleep)
        self.url = spec.base_url or DEFAULT_BASE_URL
        self.max_tokens_param = str(spec.options.get("max_tokens_param", "max_tokens"))
        if self.max_tokens_param not in MAX_TOKENS_PARAMS:
            raise ProviderError(f"max_tokens_param must be one of {', '.join(MAX_TOKENS_PARAMS)}")

    async def complete(self, request: CallRequest, *, on_delta: DeltaSink) -> Completion:
        """See :meth:`panels.providers.base.Provider.complete`."""
        key = _key(self.spec, self.api_key)
        return await retry.call(
            partial(self._attempt, request, key), on_delta=on_delta, policy=self.policy
        )

    def params(self, request: CallRequest) -> dict[str, Any]:
        """The chat-completions body for ``request`` (without ``stream``)."""
        params: dict[str, Any] = {
            "model": self.spec.model,
            "messages": [
                {"role": "system", "content": request.system},
                *({"role": m.role, "content": m.content} for m in request.messages),
            ],
            "temperature": request.temperature,
            self.max_tokens_param: request.max_tokens,
        }
        if self.spec.options.get("json_mode", True):
            params["response_format"] = {"type": "json_object"}
        return params

    async def _attempt(self, request: CallRequest, api_key: str, sink: DeltaSink) -> Completion:
        parts: list[str] = []
        usage: CompletionUsage | None = None
        try:
            async with _client(self.spec, api_key) as client:
                stream = await client.chat.completions.create(
                    **self.params(request),
                    stream=True,
                    stream_options={"include_usage": True},
                )
                # Leaving this block, cancelled or not, closes the response and its socket.
                async with stream:
                    async for chunk in stream:
                        if chunk.usage is not None:
                            usage = chunk.usage
                        for choice in chunk.choices:
                            if choice.index == 0 and choice.delta.content:
                                parts.append(choice.delta.content)
                                await sink(choice.delta.content)
        except (openai.OpenAIError, httpx2.TransportError) as exc:
            emitted = sum(len(p) for p in parts)
            raise _failure(exc, url=self.url, api_key=api_key, emitted=emitted) from None
        text = "".join(parts)
        if usage is None:
            # Some compatible servers ignore include_usage: estimate rather than record 0.
            prompt = word_count(request.system, *(m.content for m in request.messages))
            return Completion(text, self.spec.usage(prompt, word_count(text)))
        return Completion(text, self.spec.usage(usage.prompt_tokens, usage.completion_tokens))


@register_check("openai")
async def check_connection(spec: MemberSpec, api_key: str | None) -> tuple[bool, str]:
    """List the endpoint's models (free, no tokens) and say whether the member's model is
    among them. Returns (ok, message in plain words)."""
    key = _key(spec, api_key)
    url = spec.base_url or DEFAULT_BASE_URL
    try:
        async with _client(spec, key) as client:
            page = await client.models.list()
            ids = [model.id async for model in page]
    except (openai.OpenAIError, httpx2.TransportError) as exc:
        return False, str(_failure(exc, url=url, api_key=key, emitted=0))
    vendor = _vendor(url)
    if spec.model and spec.model not in ids:
        # Azure lists base models, not deployment names: a warning, not a failure.
        return True, (
            f"Connected to {vendor}, but model {spec.model!r} is not among the "
            f"{len(ids)} models it lists."
        )
    return True, f"Connected to {vendor}; {len(ids)} models available."
