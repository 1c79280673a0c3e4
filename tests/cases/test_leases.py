"""Exactly once, always finished: a deliberation whose runner died is resumed without asking
stored turns again; a live runner's lease keeps a second runner out; recovery and a live run
never both end one deliberation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from cases import deliberation, leases, outbox, runners
from cases.deliberation import coalescer, persistence
from cases.models import Deliberation, DeliberationEvent, DeliberationRun, Proposal
from tests.cases.scenarios import CASE_TEXT, PE, PNEUMONIA, consensus_panel, member
from tests.factories import make_panel
from tests.fakes import scripted

pytestmark = pytest.mark.django_db(transaction=True)


def _died_after_two_proposals() -> Deliberation:
    """A deliberation whose runner stored two Round 1 turns, then died (its lease lapsed)."""
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    assert persistence.start(d.pk, "dead-worker:1:x").claim.outcome == "claimed"
    for index in (0, 1):
        Proposal.objects.create(
            deliberation=d,
            member_index=index,
            alias=f"Agent-{index + 1}",
            diagnosis="Community-acquired pneumonia",
            icd10="J18.9",
            confidence=80,
            class_key="J18",
            input_tokens=100,
            output_tokens=7,
        )
    DeliberationRun.objects.filter(deliberation=d).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    return d


def test_a_redelivered_run_resumes_and_does_not_ask_stored_turns_again():
    d = _died_after_two_proposals()
    scripted.CALLS.clear()

    assert async_to_sync(deliberation.run)(d.pk) == "ran"

    d.refresh_from_db()
    assert (d.status, d.outcome, d.winner_key) == ("finished", "consensus", "J18")
    assert Proposal.objects.filter(deliberation=d).count() == 5
    asked_in_round1 = sorted(alias for alias, req in scripted.CALLS if req.phase == "propose")
    assert asked_in_round1 == ["Agent-3", "Agent-4", "Agent-5"]
    assert d.input_tokens == 5 * 100 + 5 * 100  # stored turns' tokens are counted once
    run = DeliberationRun.objects.get(deliberation=d)
    assert run.attempts == 2
    kinds = list(DeliberationEvent.objects.filter(deliberation=d).values_list("type", flat=True))
    assert kinds.count("deliberation.started") == 1
    assert kinds.count("member.proposal") == 3  # the two stored ones were announced before
    assert kinds.count("deliberation.finished") == 1


def test_a_live_runners_lease_keeps_a_second_runner_out():
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    assert persistence.start(d.pk, "live-worker:1:x").claim.outcome == "claimed"

    assert async_to_sync(deliberation.run)(d.pk) == "busy"

    assert Deliberation.objects.get(pk=d.pk).status == "running"
    assert not Proposal.objects.filter(deliberation=d).exists()


def test_a_deliberation_claimed_too_often_is_failed_and_escalated(settings):
    settings.DELIBERATION_MAX_ATTEMPTS = 1
    d = _died_after_two_proposals()

    assert async_to_sync(deliberation.run)(d.pk) == "exhausted"

    d.refresh_from_db()
    assert d.status == "failed" and "stopped 1 times" in d.failure
    assert d.escalations.get().reason == "failed"


def test_a_finished_deliberation_is_not_run_again():
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    async_to_sync(deliberation.run)(d.pk)
    scripted.CALLS.clear()

    assert async_to_sync(deliberation.run)(d.pk) == "ended"
    assert scripted.CALLS == []


async def test_recovery_racing_a_live_run_leaves_one_outcome():
    slow = [member(PNEUMONIA, delay_s=0.5)] * 3
    panel = await sync_to_async(make_panel)("slow", slow, q=2, f=1)
    d = await sync_to_async(deliberation.create)(CASE_TEXT, panel=panel, submitted_by_id=None)
    live = asyncio.create_task(deliberation.run(d.pk))
    while (await Deliberation.objects.aget(pk=d.pk)).status != "running":
        await asyncio.sleep(0.01)

    # An operator forces recovery while the members are still thinking.
    await sync_to_async(deliberation.fail)(d.pk, "forced recovery")
    assert await live == "ended"  # the live run saw it at its first write, and stopped

    d = await Deliberation.objects.aget(pk=d.pk)
    assert (d.status, d.outcome, d.failure) == ("failed", "", "forced recovery")
    kinds = [e.type async for e in DeliberationEvent.objects.filter(deliberation=d)]
    assert kinds.count("deliberation.failed") == 1
    assert "deliberation.finished" not in kinds
    assert await d.escalations.acount() == 1
    assert not await d.proposals.aexists()


async def test_stale_only_recovery_leaves_a_live_run_alone():
    slow = [member(PNEUMONIA, delay_s=0.3)] * 3
    panel = await sync_to_async(make_panel)("slow2", slow, q=2, f=1)
    d = await sync_to_async(deliberation.create)(CASE_TEXT, panel=panel, submitted_by_id=None)
    live = asyncio.create_task(deliberation.run(d.pk))
    while (await Deliberation.objects.aget(pk=d.pk)).status != "running":
        await asyncio.sleep(0.01)

    assert await sync_to_async(deliberation.fail)(d.pk, "stale?", stale_only=True) is None
    assert await live == "ran"
    d = await Deliberation.objects.aget(pk=d.pk)
    assert (d.status, d.outcome) == ("finished", "consensus")


@pytest.mark.parametrize(
    "lease_s, delay_s",
    [
        (0.3, 1.0),  # the heartbeat (every 0.1 s) sees the takeover while the members think
        # The heartbeat would see it only after 20 s: the turn's write itself must, or this
        # run and the one that took over would both store these members' turns.
        (60, 0.3),
    ],
)
async def test_a_run_whose_lease_was_taken_over_stops_and_writes_nothing(
    settings, lease_s, delay_s
):
    settings.DELIBERATION_LEASE_S = lease_s
    slow = [member(PNEUMONIA, delay_s=delay_s)] * 3
    panel = await sync_to_async(make_panel)(f"slow-{lease_s}", slow, q=2, f=1)
    d = await sync_to_async(deliberation.create)(CASE_TEXT, panel=panel, submitted_by_id=None)
    live = asyncio.create_task(deliberation.run(d.pk))
    while not await DeliberationRun.objects.filter(deliberation=d, attempts=1).aexists():
        await asyncio.sleep(0.01)

    # Another worker thought this one dead and took the deliberation over.
    await DeliberationRun.objects.filter(deliberation=d).aupdate(owner="other:2:y")
    assert await live == "lost"

    d = await Deliberation.objects.aget(pk=d.pk)
    assert d.status == "running" and not await d.proposals.aexists()
    assert not await d.escalations.aexists()


async def test_a_round_ones_closing_write_that_finds_a_takeover_is_not_retried(
    settings, monkeypatch
):
    # Disagreeing answers: Round 2 follows, so Round 1's last turns are written while its
    # calls are out (closing.LaterWrite), which retries a failed write: not this one.
    settings.DELIBERATION_LEASE_S = 60
    answers = [PNEUMONIA, PNEUMONIA, PE]
    panel = await sync_to_async(make_panel)(
        "split", [member(a, delay_s=0.3) for a in answers], q=2, f=1
    )
    checks: list[int] = []  # turn writes tried (live text has writes of its own)
    write_and_send = persistence.write_and_send

    async def counted(pk: int, *args: Any) -> Any:
        checks.append(pk)
        return await write_and_send(pk, *args)

    monkeypatch.setattr(persistence, "write_and_send", counted)
    d = await sync_to_async(deliberation.create)(CASE_TEXT, panel=panel, submitted_by_id=None)
    live = asyncio.create_task(deliberation.run(d.pk))
    while not await DeliberationRun.objects.filter(deliberation=d, attempts=1).aexists():
        await asyncio.sleep(0.01)

    await DeliberationRun.objects.filter(deliberation=d).aupdate(owner="other:2:y")
    assert await live == "lost"
    assert checks == [d.pk]  # one write tried, none retried
    assert not await Proposal.objects.filter(deliberation=d).aexists()


async def test_live_text_of_a_run_whose_lease_was_taken_over_is_not_written():
    # Until its heartbeat notices, a runner thought dead still streams: its text must not
    # reach the page beside the text of the runner that took over.
    d = await sync_to_async(deliberation.create)(
        CASE_TEXT, panel=await sync_to_async(consensus_panel)(), submitted_by_id=None
    )
    started = await sync_to_async(persistence.start)(d.pk, "slow:1:x")
    batch = coalescer.DeltaBatch.of(d.pk)
    with leases.running_as("slow:1:x", started.claim):
        batch.add(0, 1, "Pneumonia, bec")
        await batch.flush()
        await DeliberationRun.objects.filter(deliberation=d).aupdate(owner="other:2:y")
        batch.add(0, 1, "ause of the crackles")
        with pytest.raises(leases.LeaseLost, match="taken over"):
            await batch.flush()
        batch.add(0, 1, " on the right")
        with pytest.raises(leases.LeaseLost):  # the member's closing flush stops the run
            await batch.flush()
    written = DeliberationEvent.objects.filter(deliberation=d, type="member.delta")
    assert [e.payload["text"] async for e in written] == ["Pneumonia, bec"]


def test_sweeper_requeues_a_running_deliberation_whose_lease_lapsed_once():
    d = _died_after_two_proposals()
    sent: list[int] = []

    def launch(pk: int) -> bool:
        sent.append(pk)
        outbox.note_sent(pk)
        return True

    assert runners.sweep(launch).requeued == 1
    assert runners.sweep(launch).requeued == 0  # sent since the lease lapsed: wait for it
    assert sent == [d.pk]
    assert async_to_sync(deliberation.run)(d.pk) == "ran"
    assert Deliberation.objects.get(pk=d.pk).status == "finished"
