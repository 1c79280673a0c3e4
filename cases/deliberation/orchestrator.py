"""``run``: a deliberation from its claim to its end. Round 1, Round 2 and the decision are
separate steps over one :class:`RunContext`; the lease and its heartbeat wrap them, and any
unexpected error fails the deliberation instead of leaving it running."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from cases import leases, prompts, protocol, streaming
from cases.deliberation import closing, payloads, persistence, rounds
from cases.deliberation.coalescer import DeltaCoalescer
from cases.deliberation.persistence import Event
from cases.deliberation.rounds import Parser, TurnResult
from cases.models import Deliberation, Proposal, TurnStatus, Vote
from panels.providers import base
from panels.providers.base import BallotEntry, CallRequest, MemberSpec, Usage
from panels.snapshot import PanelSnapshot

log = logging.getLogger(__name__)

INTERRUPTED_RUN = "The deliberation was interrupted."
EXHAUSTED = (
    "Its runner stopped {attempts} times without finishing; the case was sent to human review."
)


async def run(deliberation_id: int) -> leases.RunResult:
    """Run a deliberation to its end: rounds, decision, escalation, events.

    Claims it first (see :mod:`cases.leases`), so running it twice is harmless: the result is
    ``"ran"``; ``"busy"`` when a live runner holds it (try again later), ``"ended"`` when it
    had already ended (or was ended elsewhere mid-run), ``"lost"`` when another runner took it
    over mid-run, ``"exhausted"`` when it was claimed too often and has been failed. A
    deliberation whose runner died is resumed: stored turns are replayed, not asked again. Any
    unexpected error marks it failed (and escalates the case) rather than leaving it running.
    """
    owner = leases.new_owner()
    try:
        started = await sync_to_async(persistence.start)(deliberation_id, owner, _opening, _prepare)
        claim = started.claim
        if claim.outcome == "exhausted":
            why = EXHAUSTED.format(attempts=claim.attempts)
            await sync_to_async(persistence.fail)(deliberation_id, why)
        if claim.outcome != "claimed":
            log.info("deliberation %s not run here: %s", deliberation_id, claim.outcome)
            return claim.outcome
        if claim.resumed:
            log.warning("deliberation %s resumed (attempt %s)", deliberation_id, claim.attempts)
        with leases.running_as(owner, claim):
            return await _run_leased(started, owner)
    finally:
        if persistence.holds_server_connections():
            await sync_to_async(persistence.release_connections)()


async def _run_leased(started: persistence.Started, owner: str) -> leases.RunResult:
    deliberation = started.claim.deliberation
    assert deliberation is not None  # claimed
    deliberation_id = deliberation.pk
    main = asyncio.current_task()
    assert main is not None
    lost = asyncio.Event()
    heartbeat = asyncio.create_task(_heartbeat(deliberation_id, owner, main, lost))
    try:
        if started.error is not None:
            raise started.error
        await _run_claimed(deliberation, started)
    except asyncio.CancelledError:
        if lost.is_set():
            main.uncancel()
            log.warning("deliberation %s was taken over by another runner", deliberation_id)
            return "lost"
        await sync_to_async(persistence.fail)(deliberation_id, INTERRUPTED_RUN)
        raise
    except leases.LeaseLost as exc:  # seen by a write before the heartbeat saw it
        log.warning("%s; this run stopped", exc)
        return "ended" if exc.ended else "lost"
    except Exception as exc:
        log.exception("deliberation %s failed", deliberation_id)
        why = f"Internal error: {type(exc).__name__}: {exc}"
        await sync_to_async(persistence.fail)(deliberation_id, why)
    finally:
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)
    return "ran"


async def _heartbeat(
    deliberation_id: int, owner: str, main: asyncio.Task[Any], lost: asyncio.Event
) -> None:
    # Renews the lease every third of it; a lease taken over (this runner was thought dead)
    # stops the run, whose writes would otherwise race the new runner's.
    every = settings.DELIBERATION_LEASE_S / 3
    while True:
        await asyncio.sleep(every)
        try:
            held = await sync_to_async(leases.renew)(deliberation_id, owner)
        except Exception as exc:  # a database blip: try again; the lease outlives two misses
            log.warning("lease renewal of deliberation %s failed: %s", deliberation_id, exc)
            continue
        if not held:
            lost.set()
            main.cancel()
            return


@dataclass
class RunContext:
    """One claimed run: the deliberation, its panel snapshot's members and rules, and what
    the rounds have produced so far."""

    deliberation: Deliberation
    specs: list[MemberSpec]
    providers: list[base.Provider]
    usage: Usage = field(default_factory=Usage)
    proposals: dict[int, Proposal] = field(default_factory=dict)
    votes: dict[int, Vote] = field(default_factory=dict)
    faulty: set[int] = field(default_factory=set)
    valid: list[Proposal] = field(default_factory=list)  # Round 1's valid proposals, in order
    ballot: list[Proposal] = field(default_factory=list)  # the confident ones, on the ballot
    round2_announced: bool = False  # round.finished(1) and round.started(2) are written
    # The last Round 1 turns' write, made once Round 2's calls are out (see closing).
    round1_write: closing.LaterWrite[Proposal] | None = None
    decided: bool = False  # the decision is written (with the last round's last turns)

    @property
    def id(self) -> int:
        return self.deliberation.pk

    @property
    def snap(self) -> PanelSnapshot:
        return self.deliberation.snapshot

    @property
    def q(self) -> int:
        return self.snap.q

    @property
    def f(self) -> int:
        return self.snap.f

    @property
    def min_confidence(self) -> int:
        return self.snap.min_confidence

    @property
    def grace_s(self) -> float:
        return self.snap.grace_period_s

    @property
    def answers(self) -> list[protocol.Answer]:
        return [p.answer for p in self.valid]

    @property
    def abstained(self) -> int:
        """Valid proposals kept off the ballot: abstentions and hesitant ones."""
        return len(self.valid) - len(self.ballot)


# Members are readied on threads that outlive event loops: a Celery task runs each
# deliberation in a loop of its own, whose default executor (asyncio.to_thread) would start
# and join a thread every time, before Round 1 (issue 14).
_preparing = ThreadPoolExecutor(max_workers=4, thread_name_prefix="prepare-members")


def _new_pool_after_fork() -> None:
    # A forked child (a Celery worker process) has none of its parent's threads.
    global _preparing
    _preparing = ThreadPoolExecutor(max_workers=4, thread_name_prefix="prepare-members")


os.register_at_fork(after_in_child=_new_pool_after_fork)


def _prepare(deliberation: Deliberation) -> Future[object]:
    # Members that must load or train a model first (offline ones after a start, or of a new
    # panel) do it on a thread of their own, not the database's (training takes minutes).
    specs = deliberation.snapshot.specs
    return _preparing.submit(contextvars.copy_context().run, base.prepare, specs)


def _opening(deliberation: Deliberation) -> list[Event]:
    # The events that open a run, recorded with its claim (one write before Round 1).
    snap = deliberation.snapshot
    members = [
        streaming.MemberLabel(index=i, alias=s.alias, label=s.label)
        for i, s in enumerate(snap.specs)
    ]
    started = streaming.DeliberationStarted(
        panel=snap.name, n=snap.n, q=snap.q, f=snap.f, members=members
    )
    return [("deliberation.started", started), ("round.started", streaming.RoundStarted(round=1))]


async def _run_claimed(deliberation: Deliberation, started: persistence.Started) -> None:
    specs = deliberation.snapshot.specs
    providers = [base.build(spec, api_key=started.keys.get(i)) for i, spec in enumerate(specs)]
    ctx = RunContext(deliberation, specs, providers)
    await streaming.send(started.opening)
    # No call timeout runs while members get ready; ready ones were so before the claim's
    # write committed, and the run goes on without waiting for their thread.
    if started.prepared is not None:
        if not started.prepared.done():
            await asyncio.wrap_future(started.prepared)
        started.prepared.result()  # base.prepare logs its failures; anything else is a bug
    try:
        await _round1(ctx)
        if not ctx.decided and not _round2_skipped(ctx):
            if not ctx.round2_announced:  # normally written with the last Round 1 turns
                await streaming.apublish_many(ctx.id, _between_rounds(ctx))
            await _round2(ctx)
    finally:
        if ctx.round1_write is not None:  # a run that failed before Round 2 made it
            ctx.round1_write.abandon()
    if not ctx.decided:  # normally written with the last round's last turns
        messages = await sync_to_async(persistence.finish)(ctx.deliberation, _ending(ctx))
        await streaming.send(messages)


def _round1_finished(ctx: RunContext) -> Event:
    return (
        "round.finished",
        _round_finished(1, valid=len(ctx.valid), ctx=ctx, abstentions=ctx.abstained),
    )


def _between_rounds(ctx: RunContext) -> list[Event]:
    return [_round1_finished(ctx), ("round.started", streaming.RoundStarted(round=2))]


def _round_finished(
    round_no: int, *, valid: int, ctx: RunContext, abstentions: int
) -> streaming.RoundFinished:
    return streaming.RoundFinished(
        round=round_no, valid=valid, faults=len(ctx.faulty), abstentions=abstentions
    )


async def _member_turn(
    ctx: RunContext, index: int, request: CallRequest, parse: Parser, sink: DeltaCoalescer
) -> TurnResult:
    # In a resumed run, a turn stored before is replayed from its row, not asked again.
    stored = leases.stored_turn(sink.round_no, index)
    if stored is not None:
        return persistence.replayed(stored)
    return await rounds.turn(ctx.providers[index], ctx.specs[index], request, parse, sink)


def _parse_proposal(text: str, strict: bool) -> protocol.ProposalData:
    return protocol.parse_proposal(text, strict_icd10=strict)


def _parse_vote(text: str, strict: bool, *, letters: list[str]) -> protocol.VoteData:
    return protocol.parse_vote(text, letters=letters)


async def _round1(ctx: RunContext) -> None:
    """Round 1: every member proposes independently; leaves the valid proposals, the ballot
    and the faulty members on ``ctx``."""
    sinks = {i: DeltaCoalescer(ctx.id, i, 1) for i in range(len(ctx.specs))}
    level = ctx.snap.agreement_level

    async def on_proposals(ended: list[tuple[int, TurnResult]]) -> None:
        turns = []
        for index, result in ended:
            ctx.usage += result.usage
            p = result.proposal
            key = (
                protocol.class_key(p.diagnosis, p.icd10, level=level) if p and not p.abstain else ""
            )
            alias = ctx.specs[index].alias
            row = persistence.proposal_row(ctx.deliberation, index, alias, result, key)
            ctx.proposals[index] = row
            save = partial(persistence.insert_turn, row)
            turns.append((save, partial(_proposal_event, index, result)))
        batch = sinks[ended[0][0]].batch
        if len(ctx.proposals) < len(ctx.specs):  # every turn ends once: not the last ones
            await persistence.persist(ctx.id, turns, text=batch)
            return
        _tally_round1(ctx)
        if _round2_skipped(ctx):  # the decision goes with these rows
            await persistence.persist(ctx.id, turns, text=batch, closing=lambda _: _decided_in(ctx))
            return
        # The events between the rounds go with these rows, written while Round 2's calls are
        # in flight: no write between the rounds on the critical path (issue 14).
        between = _between_rounds(ctx)
        ctx.round1_write = await closing.persist_after(
            ctx.id, turns, text=batch, closing=lambda _: between
        )
        ctx.round2_announced = True

    calls = {
        i: _member_turn(
            ctx,
            i,
            prompts.proposal_request(spec, ctx.deliberation.case.text),
            _parse_proposal,
            sinks[i],
        )
        for i, spec in enumerate(ctx.specs)
    }
    await rounds.run_round(calls, tolerance=ctx.f, grace_s=ctx.grace_s, on_results=on_proposals)
    _tally_round1(ctx)


def _tally_round1(ctx: RunContext) -> None:
    # Round 1's valid proposals, its ballot and its faulty members, from ctx.proposals.
    proposals = ctx.proposals
    ctx.valid = [proposals[i] for i in sorted(proposals) if proposals[i].status == TurnStatus.OK]
    # Only confident proposals stand on the ballot; abstentions and hesitant ones are shown
    # on the page but nobody can vote for them.
    chosen = protocol.candidates(ctx.answers, min_confidence=ctx.min_confidence)
    ctx.ballot = [ctx.valid[i] for i in chosen]
    ctx.faulty = {i for i, p in proposals.items() if p.is_fault}


def _proposal_event(index: int, result: TurnResult, row: Proposal) -> Event:
    if result.status == TurnStatus.OK:
        return ("member.proposal", payloads.proposal_payload(row))
    return ("member.fault", payloads.fault_payload(index, 1, result))


def _round2_skipped(ctx: RunContext) -> str:
    # Why Round 2 is not needed, or "" when it is.
    if len(ctx.faulty) > ctx.f:
        return "too_many_faults"
    if len(ctx.ballot) < ctx.q:
        return "insufficient_information"
    if ctx.snap.early_abort and (
        protocol.early_abort_class(ctx.answers, q=ctx.q, min_confidence=ctx.min_confidence)
        is not None
    ):
        return "unanimous_round1"
    return ""


async def _round2(ctx: RunContext) -> None:
    """Round 2: every member still standing reviews the ballot, shuffled per voter, and
    votes; outstanding voters are cancelled once the outcome is settled (when the panel
    allows it). Leaves the votes on ``ctx`` and adds the voters that faulted."""
    voters = [i for i in range(len(ctx.specs)) if i not in ctx.faulty]
    sinks = {i: DeltaCoalescer(ctx.id, i, 2) for i in voters}
    ballots = {i: _ballot_of(ctx, i) for i in voters}
    letters = protocol.ballot_letters(len(ctx.ballot))
    parse = partial(_parse_vote, letters=letters)
    case_text = ctx.deliberation.case.text
    calls = {
        i: _member_turn(
            ctx,
            i,
            prompts.vote_request(ctx.specs[i], case_text, _entries(letters, ballots[i])),
            parse,
            sinks[i],
        )
        for i in voters
    }

    async def on_votes(ended: list[tuple[int, TurnResult]]) -> None:
        turns = []
        for index, result in ended:
            ctx.usage += result.usage
            alias = ctx.specs[index].alias
            save = partial(
                persistence.save_vote, ctx.deliberation, index, alias, result, ballots[index]
            )
            turns.append((save, partial(_vote_event, index, result)))
        indices = [index for index, _ in ended]
        last = len(ctx.votes) + len(ended) == len(voters)  # every turn ends once
        rows = await persistence.persist(
            ctx.id,
            turns,
            text=sinks[indices[0]].batch,
            closing=partial(_close_round2, ctx, indices) if last else None,
        )
        ctx.votes.update(zip(indices, rows, strict=True))

    await rounds.run_round(
        calls,
        tolerance=max(0, ctx.f - len(ctx.faulty)),
        grace_s=ctx.grace_s,
        on_results=on_votes,
        settled=partial(_settled, ctx) if ctx.snap.early_decision else None,
        alongside=ctx.round1_write.run if ctx.round1_write is not None else None,
    )
    _tally_round2(ctx)


def _tally_round2(ctx: RunContext) -> None:
    ctx.faulty |= {i for i, v in ctx.votes.items() if v.is_fault}


def _close_round2(ctx: RunContext, indices: list[int], rows: list[Vote]) -> list[Event]:
    # Inside the last Round 2 turns' transaction, as _close_round1: the decision goes with
    # those turns' rows, one write less on the critical path.
    ctx.votes.update(zip(indices, rows, strict=True))
    _tally_round2(ctx)
    return _decided_in(ctx)


def _ballot_of(ctx: RunContext, voter: int) -> list[Proposal]:
    order = protocol.shuffled_order(len(ctx.ballot), seed=ctx.deliberation.seed + voter)
    return [ctx.ballot[j] for j in order]


def _entries(letters: list[str], ballot: list[Proposal]) -> tuple[BallotEntry, ...]:
    return tuple(
        BallotEntry(letter, p.diagnosis, p.icd10 or None, p.confidence or 0, p.reasoning)
        for letter, p in zip(letters, ballot, strict=True)
    )


def _settled(ctx: RunContext, outstanding: int) -> bool:
    counts = protocol.tally(
        v.class_key for v in ctx.votes.values() if v.status == TurnStatus.OK and v.class_key
    )
    return protocol.is_settled(counts, q=ctx.q, outstanding=outstanding)


def _vote_event(index: int, result: TurnResult, row: Vote) -> Event:
    if result.status == TurnStatus.OK:
        return ("member.vote", payloads.vote_payload(row))
    if result.status == TurnStatus.CANCELLED:
        return ("member.cancelled", streaming.MemberCancelled(member=index, round=2))
    return ("member.fault", payloads.fault_payload(index, 2, result))


def _decided_in(ctx: RunContext) -> list[Event]:
    # Inside the transaction of the last turns (which checked the lease): the decision,
    # written with them.
    events = persistence.finish_in(ctx.deliberation, _ending(ctx), fenced=True)
    ctx.decided = True
    return events


def _ending(ctx: RunContext) -> persistence.Ending:
    """The decision from the rows the run holds (``protocol`` decides), with the events
    that close its last round."""
    position = {row.pk: index for index, row in enumerate(ctx.valid)}
    ok_votes = [v for v in ctx.votes.values() if v.status == TurnStatus.OK]
    decision = protocol.decide(
        q=ctx.q,
        f=ctx.f,
        faults=len(ctx.faulty),
        answers=ctx.answers,
        votes=[position[v.proposal_id] if v.proposal_id is not None else None for v in ok_votes]
        if ctx.votes
        else None,
        min_confidence=ctx.min_confidence,
    )
    if ctx.votes:
        abstentions = sum(1 for v in ok_votes if v.abstained)
        closing = _round_finished(2, valid=len(ok_votes), ctx=ctx, abstentions=abstentions)
        events: list[Event] = [("round.finished", closing)]
    else:
        events = [_round1_finished(ctx)]
    return persistence.Ending(
        decision,
        rounds=2 if ctx.votes else 1,
        skipped="" if ctx.votes else _round2_skipped(ctx),
        proposals=ctx.valid,
        votes=list(ctx.votes.values()),
        usage=ctx.usage,
        faults=sorted(ctx.faulty),
        events=events,
    )
