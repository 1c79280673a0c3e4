"""The OpenAI(-compatible) provider's request on the wire, and its connection check."""

from __future__ import annotations

import pytest

from panels.providers import base
from panels.providers.base import Message, ProviderError
from panels.providers.openai import OpenAIProvider
from tests.fakes.vendor_server import answer
from tests.panels.providers.conftest import API_KEY, member_spec
from tests.panels.providers.test_vendors import ANSWER, Deltas, request


async def test_sends_system_messages_temperature_max_tokens_and_json_mode(
    vendor_server, make_provider
):
    vendor_server.enqueue(answer(ANSWER))
    call = request(
        system="SYSTEM PROMPT",
        messages=(
            Message("user", "first"),
            Message("assistant", "bad answer"),
            Message("user", "repair please"),
        ),
        temperature=0.7,
        max_tokens=321,
    )

    await make_provider("openai").complete(call, on_delta=Deltas())

    [sent] = vendor_server.calls("/v1/chat/completions")
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == [
        {"role": "system", "content": "SYSTEM PROMPT"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "bad answer"},
        {"role": "user", "content": "repair please"},
    ]
    assert sent.body["temperature"] == 0.7
    assert sent.body["max_tokens"] == 321
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["response_format"] == {"type": "json_object"}


async def test_json_mode_off_leaves_json_to_the_prompt(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER))
    await make_provider("openai", options={"json_mode": False}).complete(
        request(), on_delta=Deltas()
    )
    assert "response_format" not in vendor_server.requests[0].body


async def test_max_completion_tokens_for_models_that_require_it(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER))
    provider = make_provider("openai", options={"max_tokens_param": "max_completion_tokens"})
    await provider.complete(request(max_tokens=99), on_delta=Deltas())
    body = vendor_server.requests[0].body
    assert body["max_completion_tokens"] == 99
    assert "max_tokens" not in body


def test_an_unknown_max_tokens_param_is_a_configuration_error(vendor_server):
    spec = member_spec("openai", vendor_server, options={"max_tokens_param": "tokens"})
    with pytest.raises(ProviderError, match="max_tokens_param"):
        OpenAIProvider(spec, API_KEY)


async def test_a_local_endpoint_needs_no_key(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER))
    completion = await make_provider("openai", api_key=None).complete(request(), on_delta=Deltas())
    assert completion.text == ANSWER


async def test_openai_itself_needs_a_key(vendor_server, make_provider):
    with pytest.raises(ProviderError, match="No API key"):
        await make_provider("openai", api_key=None, base_url="").complete(
            request(), on_delta=Deltas()
        )
    assert vendor_server.requests == []


async def test_check_warns_when_the_model_is_not_listed(vendor_server):
    spec = member_spec("openai", vendor_server, model="gpt-unknown")
    ok, message = await base.check(spec, api_key=API_KEY)
    assert ok
    assert "'gpt-unknown' is not among the 2 models" in message


async def test_estimates_usage_when_the_endpoint_reports_none(vendor_server, make_provider):
    vendor_server.enqueue(answer("one two three four", report_usage=False))
    call = request(system="alpha beta", messages=(Message("user", "gamma delta epsilon"),))

    completion = await make_provider("openai").complete(call, on_delta=Deltas())

    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (5, 4)
