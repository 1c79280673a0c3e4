"""Vendor provider figures against the local fake vendor server (no network, no keys).

1. Per-call overhead of the provider layer: p50 wall time of ``Provider.complete`` (SDK
   client made per call, request, SSE parsing, retry wrapper, usage) minus the p50 of the
   same request and stream fetched with one plain, reused HTTP client that only reads bytes.
2. Tokens of a full 5-member deliberation (3 OpenAI-compatible, 2 Anthropic members) on a
   unanimous case, with and without early abort. The fake server counts one input token per
   4 characters of the prompt it receives, and one output token per 4 characters it sends.

Run: `.venv/bin/python bench/providers.py`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import time

from bench._setup import django_on_scratch_db

django_on_scratch_db("providers")

import httpx2  # noqa: E402
from asgiref.sync import async_to_sync  # noqa: E402

from cases import deliberation, prompts  # noqa: E402
from cases.models import Deliberation  # noqa: E402
from panels.models import ProviderCredential  # noqa: E402
from panels.providers import base  # noqa: E402
from tests.factories import make_panel  # noqa: E402
from tests.fakes.vendor_server import Recorded, VendorServer, panel_responder  # noqa: E402

CALLS = 200
CASE = (
    "A 67-year-old man with 3 days of fever, productive cough with rusty sputum, pleuritic "
    "chest pain and shortness of breath. Crackles at the right lung base."
)
KEY = "sk-bench-key-000"


async def _ignore(delta: str) -> None:
    return None


async def overhead(server: VendorServer, vendor: str) -> tuple[float, float]:
    """(p50 provider call ms, p50 raw HTTP ms) for the same request and answer."""
    url = server.openai_url if vendor == "openai" else server.url
    model = "gpt-test" if vendor == "openai" else "claude-test"
    spec = base.MemberSpec(alias="bench", provider=vendor, model=model, base_url=url)
    provider = base.build(spec, api_key=KEY)
    request = prompts.proposal_request(spec, CASE)
    for _ in range(10):  # warm up imports, TLS context, code paths
        await provider.complete(request, on_delta=_ignore)
    calls = []
    for _ in range(CALLS):
        started = time.perf_counter()
        await provider.complete(request, on_delta=_ignore)
        calls.append(time.perf_counter() - started)

    # The same bytes on the wire, captured from the provider's last request.
    sent = server.requests[-1]
    path = sent.path
    headers = {k: v for k, v in sent.headers.items() if k not in ("host", "content-length")}
    raw = []
    async with httpx2.AsyncClient() as client:
        for _ in range(CALLS):
            started = time.perf_counter()
            async with client.stream(
                "POST", server.url + path, json=sent.body, headers=headers
            ) as response:
                async for _chunk in response.aiter_bytes():
                    pass
            raw.append(time.perf_counter() - started)
    return statistics.median(calls) * 1000, statistics.median(raw) * 1000


def deliberation_tokens(server: VendorServer, *, early_abort: bool) -> Deliberation:
    openai = ProviderCredential.objects.filter(name="openai").first()
    anthropic = ProviderCredential.objects.filter(name="anthropic").first()
    if openai is None or anthropic is None:
        openai = ProviderCredential(name="openai", vendor="openai")
        openai.set_key(KEY)
        openai.save()
        anthropic = ProviderCredential(name="anthropic", vendor="anthropic")
        anthropic.set_key(KEY)
        anthropic.save()
    oa = {"provider": "openai", "model_name": "gpt-test", "base_url": server.openai_url}
    an = {"provider": "anthropic", "model_name": "claude-test", "base_url": server.url}
    members = [
        {**oa, "credential": openai},
        {**oa, "credential": openai},
        {**oa, "credential": openai},
        {**an, "credential": anthropic},
        {**an, "credential": anthropic},
    ]
    panel = make_panel(
        f"bench-{'abort' if early_abort else 'full'}",
        members,
        early_abort=early_abort,
        early_decision=False,
        grace_period_s=10,
        member_timeout_s=30,
    )
    created = deliberation.create(CASE, panel=panel, submitted_by_id=None)
    async_to_sync(deliberation.run)(created.pk)
    return Deliberation.objects.get(pk=created.pk)


def _proposal_probe() -> Recorded:
    body = {"model": "probe", "messages": [{"role": "user", "content": "Diagnose."}]}
    return Recorded("openai", "POST", "/v1/chat/completions", {}, body, 0.0)


def main() -> None:
    with VendorServer() as server:
        server.responder = panel_responder(chunk_chars=8)
        size = len(server.responder(_proposal_probe()).text)
        print(
            f"Provider overhead per call, p50 over {CALLS} calls "
            f"({size}-char answer in {-(-size // 8)} chunks):"
        )
        for vendor in ("openai", "anthropic"):
            call_ms, raw_ms = async_to_sync(overhead)(server, vendor)
            print(
                f"  {vendor:9s} provider {call_ms:6.2f} ms   raw HTTP {raw_ms:6.2f} ms   "
                f"overhead {call_ms - raw_ms:6.2f} ms"
            )
        print("Full 5-member deliberation on a unanimous case (3 OpenAI-compatible, 2 Anthropic):")
        for early_abort in (True, False):
            result = deliberation_tokens(server, early_abort=early_abort)
            total = result.input_tokens + result.output_tokens
            print(
                f"  early abort {'on ' if early_abort else 'off'}: rounds {result.rounds}, "
                f"outcome {result.outcome} ({result.winner_key}), "
                f"input {result.input_tokens} + output {result.output_tokens} = {total} tokens"
            )


if __name__ == "__main__":
    main()
