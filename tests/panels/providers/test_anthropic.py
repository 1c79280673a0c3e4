"""The Anthropic provider's request on the wire, its usage accounting and its check."""

from __future__ import annotations

import json

import pytest

from panels.providers import base
from panels.providers.base import BallotEntry, Message, ProviderError
from tests.fakes.vendor_server import answer
from tests.panels.providers.conftest import API_KEY, member_spec
from tests.panels.providers.test_vendors import ANSWER, Deltas, request


async def test_sends_system_messages_and_max_tokens(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER))
    call = request(
        system="SYSTEM PROMPT",
        messages=(Message("user", "first"), Message("assistant", "bad"), Message("user", "fix")),
        max_tokens=321,
    )

    await make_provider("anthropic").complete(call, on_delta=Deltas())

    [sent] = vendor_server.calls("/v1/messages")
    assert sent.body["model"] == "claude-test"
    assert sent.body["system"] == "SYSTEM PROMPT"
    assert sent.body["messages"] == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "bad"},
        {"role": "user", "content": "fix"},
    ]
    assert sent.body["max_tokens"] == 321
    assert sent.body["stream"] is True


async def test_leaves_out_temperature_which_the_sdks_api_version_rejects(
    vendor_server, make_provider
):
    vendor_server.enqueue(answer(ANSWER))
    await make_provider("anthropic").complete(request(temperature=0.7), on_delta=Deltas())
    sent = vendor_server.requests[0]
    assert sent.headers["anthropic-version"] == "2026-10-21"
    assert "temperature" not in sent.body


async def test_an_older_api_version_gets_the_members_temperature(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER))
    provider = make_provider("anthropic", options={"api_version": "2023-06-01"})
    await provider.complete(request(temperature=0.7), on_delta=Deltas())
    sent = vendor_server.requests[0]
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body["temperature"] == 0.7


async def test_usage_comes_from_message_start_and_message_delta(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER, input_tokens=812, output_tokens=64))
    completion = await make_provider("anthropic").complete(request(), on_delta=Deltas())
    # message_start says 1 output token; message_delta's cumulative 64 wins.
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (812, 64)


async def test_json_tool_forces_the_answer_through_a_schema(vendor_server, make_provider):
    vendor_server.enqueue(answer(ANSWER, chunk_chars=6))
    deltas = Deltas()
    ballot = (
        BallotEntry("A", "Pneumonia", "J18.9", 80, "fits"),
        BallotEntry("B", "Asthma", "J45.909", 40, "maybe"),
    )

    provider = make_provider("anthropic", options={"json_tool": True})
    completion = await provider.complete(request(phase="vote", ballot=ballot), on_delta=deltas)

    sent = vendor_server.requests[0].body
    assert sent["tool_choice"] == {"type": "tool", "name": "answer"}
    [tool] = sent["tools"]
    # The ballot's letters, or null to abstain.
    assert tool["input_schema"]["properties"]["vote"]["enum"] == ["A", "B", None]
    assert completion.text == ANSWER == "".join(deltas)
    assert json.loads(completion.text)["icd10"] == "J18.9"


async def test_a_missing_key_fails_before_any_request(vendor_server, make_provider):
    with pytest.raises(ProviderError, match="No API key"):
        await make_provider("anthropic", api_key=None).complete(request(), on_delta=Deltas())
    assert vendor_server.requests == []


async def test_check_looks_up_the_members_model(vendor_server):
    ok, message = await base.check(member_spec("anthropic", vendor_server), api_key=API_KEY)
    assert ok
    assert "model 'claude-test' is available" in message
    assert vendor_server.requests[0].path == "/v1/models/claude-test"


async def test_check_reports_an_unknown_model(vendor_server):
    spec = member_spec("anthropic", vendor_server, model="claude-nope")
    ok, message = await base.check(spec, api_key=API_KEY)
    assert not ok
    assert "HTTP 404: model: claude-nope" in message
