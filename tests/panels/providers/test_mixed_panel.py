"""A full deliberation on a mixed panel (two OpenAI-compatible members, two Anthropic members
and the offline engine) against the local vendor server; and the frozen price table."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest
from django.db import connections

from cases import deliberation
from cases.models import Deliberation, Proposal, TurnStatus, Vote
from panels.models import ModelPrice, ProviderCredential
from tests.factories import make_panel
from tests.fakes.vendor_server import last_user_message, panel_responder

CASE = (
    "A 67-year-old man with 3 days of fever, productive cough with rusty sputum, pleuritic "
    "chest pain and shortness of breath. Crackles at the right lung base."
)


def credential(name: str, vendor: str, key: str) -> ProviderCredential:
    cred = ProviderCredential(name=name, vendor=vendor)
    cred.set_key(key)
    cred.save()
    return cred


def mixed_panel(server, **panel_fields):
    openai_key = credential("openai", "openai", "sk-openai-key-000111")
    anthropic_key = credential("anthropic", "anthropic", "sk-ant-key-000222")
    openai = {"provider": "openai", "base_url": server.openai_url, "credential": openai_key}
    anthropic = {"provider": "anthropic", "base_url": server.url, "credential": anthropic_key}
    return make_panel(
        "mixed",
        [
            {**openai, "model_name": "gpt-test"},
            {**openai, "model_name": "gpt-badcode"},
            {**anthropic, "model_name": "claude-test"},
            {**anthropic, "model_name": "claude-prose"},
            {"provider": "builtin"},
        ],
        **panel_fields,
    )


@pytest.mark.django_db(transaction=True)
async def test_a_mixed_panel_reaches_consensus_and_records_tokens_and_cost(vendor_server):
    vendor_server.responder = panel_responder(
        first_answers={
            "gpt-badcode": '{"diagnosis": "Pneumonia", "icd10": "J18.999X", "confidence": 80, '
            '"reasoning": "x", "differential": []}',
            "claude-prose": "I am fairly sure this is pneumonia (J18.9).",
        },
        input_tokens=400,
        output_tokens=60,
    )
    await ModelPrice.objects.acreate(
        provider="openai",
        model_name="gpt-test",
        input_usd_per_mtok=Decimal("2.5"),
        output_usd_per_mtok=Decimal("10"),
    )
    panel = await _sync(
        mixed_panel, vendor_server, early_abort=False, early_decision=False, grace_period_s=30
    )
    created = await _sync(deliberation.create, CASE, panel=panel, submitted_by_id=None)

    await deliberation.run(created.pk)

    result = await Deliberation.objects.aget(pk=created.pk)
    assert result.status == "finished", result.failure
    assert result.outcome == "consensus"
    assert result.winner_key == "J18"
    proposals = [p async for p in Proposal.objects.filter(deliberation=result)]
    votes = [v async for v in Vote.objects.filter(deliberation=result)]
    assert [
        (p.member_index, p.status, p.error) for p in proposals if p.status != TurnStatus.OK
    ] == []
    repaired = {p.member_index for p in proposals if p.repaired}
    assert repaired == {1, 3}  # the invalid code and the prose answer, each fixed once
    vendor = [p for p in proposals if p.member_index < 4]
    assert {(p.member_index, p.input_tokens) for p in vendor} == {
        (0, 400),
        (1, 800),
        (2, 400),
        (3, 800),
    }
    # Every member voted; the four vendor members for the pneumonia class.
    assert sorted(v.class_key for v in votes if v.member_index < 4) == ["J18"] * 4
    rows = proposals + votes
    assert result.input_tokens == sum(r.input_tokens for r in rows) > 0
    assert result.output_tokens == sum(r.output_tokens for r in rows) > 0
    # Only gpt-test is priced: one proposal and one vote at 400 in / 60 out.
    priced = 2 * (400 * 2.5 + 60 * 10) / 1_000_000
    assert [float(p.cost_usd) for p in proposals if p.member_index == 0] == [priced / 2]
    assert float(result.cost_usd) == pytest.approx(priced)
    # The keys reached the vendors, each to its own.
    keys = {r.bearer for r in vendor_server.requests}
    assert keys == {"sk-openai-key-000111", "sk-ant-key-000222"}


@pytest.mark.django_db
def test_the_snapshot_freezes_the_price_of_each_members_model(vendor_server):
    ModelPrice.objects.create(
        provider="anthropic",
        model_name="claude-test",
        input_usd_per_mtok=Decimal("3"),
        output_usd_per_mtok=Decimal("15"),
    )
    panel = mixed_panel(vendor_server)

    snapshot = panel.snapshot()
    ModelPrice.objects.filter(model_name="claude-test").update(input_usd_per_mtok=99)

    members = {s.model: s for s in snapshot.specs}
    assert members["claude-test"].input_price_per_mtok == 3.0
    assert members["claude-test"].output_price_per_mtok == 15.0
    assert members["gpt-test"].input_price_per_mtok is None


async def _sync(fn, *args, **kwargs):
    from asgiref.sync import sync_to_async

    return await sync_to_async(fn)(*args, **kwargs)


@pytest.mark.django_db(transaction=True)
async def test_an_early_decision_cancels_a_slow_voter_and_closes_its_connection(vendor_server):
    honest = panel_responder()

    def respond(record):
        reply = honest(record)
        if record.body["model"] == "claude-slow" and "<proposals>" in last_user_message(record):
            return dataclasses.replace(reply, chunk_chars=2, delay_s=0.2)
        return reply

    vendor_server.responder = respond
    anthropic_key = await _sync(credential, "anthropic", "anthropic", "sk-ant-key-000333")
    member = {"provider": "anthropic", "base_url": vendor_server.url, "credential": anthropic_key}
    models = ["claude-test"] * 4 + ["claude-slow"]
    panel = await _sync(
        make_panel,
        "slow-voter",
        [{**member, "model_name": model} for model in models],
        early_abort=False,
        grace_period_s=30,
    )
    created = await _sync(deliberation.create, CASE, panel=panel, submitted_by_id=None)

    await deliberation.run(created.pk)

    result = await Deliberation.objects.aget(pk=created.pk)
    assert (result.outcome, result.winner_key) == ("consensus", "J18")
    slow_vote = await Vote.objects.aget(deliberation=result, member_index=4)
    assert slow_vote.status == TurnStatus.CANCELLED
    [slow_call] = [
        i
        for i, r in enumerate(vendor_server.requests)
        if r.body["model"] == "claude-slow" and "<proposals>" in last_user_message(r)
    ]
    record = await asyncio.to_thread(vendor_server.wait_finished, slow_call)
    assert record.client_disconnected
    assert not record.completed
    # The async ORM queries above ran on asgiref's worker thread; close what they opened.
    await _sync(connections.close_all)
