"""Behaviour both vendor providers share, run against the local vendor server through the
real SDKs: streaming, retries, errors, timeouts, cancellation, usage, connection checks."""

from __future__ import annotations

import asyncio

import pytest

from panels.providers import base
from panels.providers.base import CallRequest, Message, ProviderError
from tests.fakes.vendor_server import answer, drop, error
from tests.panels.providers.conftest import API_KEY, member_spec

VENDORS = ["openai", "anthropic"]
ANSWER = '{"diagnosis": "Community-acquired pneumonia", "icd10": "J18.9", "confidence": 80}'


def request(**fields) -> CallRequest:
    fields.setdefault("phase", "propose")
    fields.setdefault("system", "You are a careful diagnostician.")
    fields.setdefault("messages", (Message("user", "Diagnose. Reply in JSON."),))
    fields.setdefault("case_text", "cough and fever")
    return CallRequest(**fields)


class Deltas(list[str]):
    async def __call__(self, delta: str) -> None:
        self.append(delta)


@pytest.fixture(params=VENDORS)
def vendor(request) -> str:
    return str(request.param)


async def test_streams_deltas_in_order_and_they_concatenate_to_the_text(
    vendor, vendor_server, make_provider
):
    vendor_server.enqueue(answer(ANSWER, chunk_chars=5))
    deltas = Deltas()

    completion = await make_provider(vendor).complete(request(), on_delta=deltas)

    assert deltas == [ANSWER[i : i + 5] for i in range(0, len(ANSWER), 5)]
    assert "".join(deltas) == completion.text == ANSWER


async def test_sends_the_api_key_as_a_bearer_token(vendor, vendor_server, make_provider):
    vendor_server.enqueue(answer("{}"))
    await make_provider(vendor).complete(request(), on_delta=Deltas())
    assert vendor_server.requests[0].bearer == API_KEY


async def test_records_usage_and_prices_it_with_the_members_frozen_prices(
    vendor, vendor_server, make_provider
):
    vendor_server.enqueue(answer(ANSWER, input_tokens=1200, output_tokens=300))
    provider = make_provider(vendor, input_price_per_mtok=2.5, output_price_per_mtok=10.0)

    completion = await provider.complete(request(), on_delta=Deltas())

    assert completion.usage.input_tokens == 1200
    assert completion.usage.output_tokens == 300
    assert completion.usage.cost_usd == pytest.approx(1200 * 2.5e-6 + 300 * 10e-6)


async def test_an_unpriced_model_costs_nothing_but_still_counts_tokens(
    vendor, vendor_server, make_provider
):
    vendor_server.enqueue(answer(ANSWER, input_tokens=50, output_tokens=7))
    completion = await make_provider(vendor).complete(request(), on_delta=Deltas())
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (50, 7)
    assert completion.usage.cost_usd == 0.0


async def test_retries_429_after_the_wait_the_vendor_asked_for(
    vendor, vendor_server, make_provider, sleeps
):
    vendor_server.enqueue(error(429, "Rate limit reached", retry_after="7"), answer(ANSWER))

    completion = await make_provider(vendor).complete(request(), on_delta=Deltas())

    assert completion.text == ANSWER
    assert len(vendor_server.requests) == 2
    assert sleeps == [7.0]


async def test_caps_a_huge_retry_after(vendor, vendor_server, make_provider, sleeps):
    vendor_server.enqueue(error(429, retry_after="86400"), answer(ANSWER))
    await make_provider(vendor).complete(request(), on_delta=Deltas())
    assert sleeps == [30.0]


async def test_retries_5xx_with_exponential_backoff_and_full_jitter(
    vendor, vendor_server, make_provider, sleeps
):
    vendor_server.enqueue(error(500), error(503), error(502), answer(ANSWER))
    provider = make_provider(vendor, options={"retry_base_s": 0.5, "max_retries": 3})

    completion = await provider.complete(request(), on_delta=Deltas())

    assert completion.text == ANSWER
    assert len(vendor_server.requests) == 4
    assert len(sleeps) == 3
    for wait, ceiling in zip(sleeps, [0.5, 1.0, 2.0], strict=True):
        assert 0.0 <= wait <= ceiling


async def test_retries_a_connection_dropped_before_the_first_byte(
    vendor, vendor_server, make_provider, sleeps
):
    vendor_server.enqueue(drop(after_chunks=0), answer(ANSWER))

    completion = await make_provider(vendor).complete(request(), on_delta=Deltas())

    assert completion.text == ANSWER
    assert len(vendor_server.requests) == 2
    assert len(sleeps) == 1


async def test_gives_up_after_the_configured_retries(vendor, vendor_server, make_provider):
    vendor_server.enqueue(*[error(500, "The server had an error")] * 3)
    provider = make_provider(vendor, options={"max_retries": 2})

    with pytest.raises(ProviderError) as caught:
        await provider.complete(request(), on_delta=Deltas())

    assert caught.value.retryable
    assert "HTTP 500" in str(caught.value)
    assert "The server had an error" in str(caught.value)
    assert "Gave up after 3 attempts" in str(caught.value)
    assert len(vendor_server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_does_not_retry_other_client_errors(vendor, vendor_server, make_provider, status):
    vendor_server.enqueue(error(status, "You did something wrong"), answer(ANSWER))

    with pytest.raises(ProviderError) as caught:
        await make_provider(vendor).complete(request(), on_delta=Deltas())

    assert not caught.value.retryable
    assert f"HTTP {status}: You did something wrong" in str(caught.value)
    assert len(vendor_server.requests) == 1


async def test_a_rejected_key_gives_a_plain_message_without_the_key(
    vendor, vendor_server, make_provider
):
    # The server echoes the whole key in its message, as a careless vendor might.
    vendor_server.accepted_keys = {"the-right-key"}

    with pytest.raises(ProviderError) as caught:
        await make_provider(vendor).complete(request(), on_delta=Deltas())

    message = str(caught.value)
    assert not caught.value.retryable
    assert "HTTP 401: Incorrect API key provided" in message
    assert API_KEY not in message
    assert "SECRET" not in message
    assert "{" not in message  # the vendor's words, not a dumped JSON body
    assert len(vendor_server.requests) == 1


async def test_a_stream_that_breaks_after_text_is_not_restarted(
    vendor, vendor_server, make_provider
):
    vendor_server.enqueue(drop(after_chunks=2, text="0123456789abcdefghij"), answer(ANSWER))
    deltas = Deltas()

    with pytest.raises(ProviderError) as caught:
        await make_provider(vendor).complete(request(), on_delta=deltas)

    assert caught.value.retryable
    assert "broke off after 16 characters" in str(caught.value)
    assert deltas == ["01234567", "89abcdef"]
    assert len(vendor_server.requests) == 1


async def test_a_silent_server_times_out_as_a_retryable_error(vendor, vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER, first_byte_delay_s=5.0))
    provider = make_provider(vendor, timeout_s=0.3, options={"max_retries": 0})

    with pytest.raises(ProviderError) as caught:
        await provider.complete(request(), on_delta=Deltas())

    assert caught.value.retryable
    assert "no response in time" in str(caught.value)
    record = await asyncio.to_thread(vendor_server.wait_finished, 0)
    assert record.client_disconnected


async def test_cancelling_the_call_closes_the_connection(vendor, vendor_server, make_provider):
    vendor_server.enqueue(answer("x" * 400, chunk_chars=4, delay_s=0.05))
    first = asyncio.Event()

    async def on_delta(delta: str) -> None:
        first.set()

    task = asyncio.create_task(make_provider(vendor).complete(request(), on_delta=on_delta))
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    record = await asyncio.to_thread(vendor_server.wait_finished, 0)
    assert record.client_disconnected
    assert not record.completed


async def test_the_orchestrators_timeout_closes_the_connection(
    vendor, vendor_server, make_provider
):
    # What cases.deliberation.rounds.turn does: asyncio.timeout around the whole call.
    vendor_server.enqueue(answer("x" * 400, chunk_chars=4, delay_s=0.05))

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await make_provider(vendor).complete(request(), on_delta=Deltas())

    record = await asyncio.to_thread(vendor_server.wait_finished, 0)
    assert record.client_disconnected


async def test_check_reports_a_working_key_and_model(vendor, vendor_server):
    ok, message = await base.check(member_spec(vendor, vendor_server), api_key=API_KEY)
    assert ok, message
    assert "Connected" in message
    assert vendor_server.requests[0].method == "GET"
    assert vendor_server.requests[0].path.startswith("/v1/models")


async def test_check_reports_a_rejected_key_in_plain_words(vendor, vendor_server):
    vendor_server.accepted_keys = {"the-right-key"}

    ok, message = await base.check(member_spec(vendor, vendor_server), api_key=API_KEY)

    assert not ok
    assert "HTTP 401: Incorrect API key provided" in message
    assert API_KEY not in message


async def test_check_reports_an_unreachable_endpoint(vendor, vendor_server):
    spec = member_spec(vendor, vendor_server, base_url="http://127.0.0.1:9/v1", timeout_s=2.0)
    ok, message = await base.check(spec, api_key=API_KEY)
    assert not ok
    assert "could not reach http://127.0.0.1:9" in message


async def test_build_returns_the_vendor_provider_for_a_spec(vendor, vendor_server):
    vendor_server.enqueue(answer(ANSWER))
    provider = base.build(member_spec(vendor, vendor_server), api_key=API_KEY)
    completion = await provider.complete(request(), on_delta=Deltas())
    assert completion.text == ANSWER
