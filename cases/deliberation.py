"""The async orchestrator: Round 1 proposals, Round 2 cross-review, decision, persistence.

All calls of a round run concurrently, each with its own timeout. Once ``n - f`` valid
answers are in, the rest get the panel's grace period, then count as timed out. Rows and
events are written as each answer arrives; ``protocol`` makes every decision.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from cases import audit, leases, prompts, protocol, safety, streaming
from cases import escalation as escalations
from cases.models import (
    Case,
    CaseStatus,
    Deliberation,
    DeliberationStatus,
    Escalation,
    EscalationReason,
    MemberTurn,
    Proposal,
    TurnStatus,
    Vote,
)
from panels.models import Panel, ProviderCredential, member_spec
from panels.providers import base
from panels.providers.base import BallotEntry, CallRequest, MemberSpec, Usage

log = logging.getLogger(__name__)

EMPTY_TEXT = "The case text is empty."
TEXT_TOO_LONG = "The case text has {length} characters; the limit is {limit}."
PANEL_NOT_FOUND = "There is no panel named {name!r}."
NOT_QUEUED = "Deliberation {id} is not queued (status {status}); it was not run again."
INTERRUPTED_RUN = "The deliberation was interrupted."
EXHAUSTED = (
    "Its runner stopped {attempts} times without finishing; the case was sent to human review."
)


class CaseRejected(ValueError):
    """A case or panel that cannot be deliberated; the message says why, in one line."""


# --- starting ----------------------------------------------------------------------------


def validate_case_text(text: str) -> str:
    """The stripped case text, or CaseRejected when it is empty, over the size limit, or
    holds a control character (the one check of the form, the API and the command)."""
    from cases import input_rules

    stripped = text.strip()
    if not stripped:
        raise CaseRejected(EMPTY_TEXT)
    if problem := input_rules.control_character(stripped):
        raise CaseRejected(problem)
    limit = settings.CASE_TEXT_MAX_CHARS
    if len(stripped) > limit:
        raise CaseRejected(TEXT_TOO_LONG.format(length=len(stripped), limit=limit))
    return stripped


def resolve_panel(name: str | None) -> Panel:
    """The named panel (or the default one), checked ready to deliberate."""
    from cases import input_rules

    if name and (problem := input_rules.control_character(name, subject="The panel name")):
        raise CaseRejected(problem)  # PostgreSQL could not even look such a name up
    try:
        panel = (
            Panel.objects.get(name=name) if name else Panel.objects.filter(is_default=True).get()
        )
    except Panel.DoesNotExist:
        raise CaseRejected(PANEL_NOT_FOUND.format(name=name or "default")) from None
    try:
        panel.check_ready()
    except ValidationError as exc:
        raise CaseRejected(" ".join(exc.messages)) from None
    return panel


def create(
    text: str,
    *,
    panel: Panel,
    submitted_by_id: int | None,
    age: int | None = None,
    sex: str = "",
    is_evaluation: bool = False,
    snapshot: dict[str, Any] | None = None,
) -> Deliberation:
    """Validate the case and create it with a queued deliberation on a snapshot of ``panel``
    (or on ``snapshot``, an evaluation's altered copy of one), in one transaction. Raises
    CaseRejected and writes nothing when the input is bad."""
    text = validate_case_text(text)
    with transaction.atomic():
        case = Case.objects.create(
            text=text,
            age=age,
            sex=sex,
            submitted_by_id=submitted_by_id,
            is_evaluation=is_evaluation,
        )
        deliberation = Deliberation.objects.create(
            case=case,
            panel=panel,
            panel_snapshot=snapshot if snapshot is not None else panel.snapshot(),
            seed=random.SystemRandom().randrange(2**62),
        )
        if not is_evaluation:
            audit.record(
                "case.submitted", obj=case, actor_id=submitted_by_id, payload={"panel": panel.name}
            )
    return deliberation


# --- one member turn ---------------------------------------------------------------------


@dataclass
class TurnResult:
    """What a member produced in one round, before it is persisted."""

    status: str
    raw_text: str = ""
    error: str = ""
    repaired: bool = False
    usage: Usage = field(default_factory=Usage)
    latency_ms: int = 0
    proposal: protocol.ProposalData | None = None
    vote: protocol.VoteData | None = None


class DeltaCoalescer:
    """One member's text deltas in one round, published through the deliberation's shared
    :class:`streaming.DeltaBatch`: the first delta of a burst goes out at once, later ones at
    most once per window, and every member's pending text shares one write. Text whose write
    fails is kept and retried, so every delta is published once and in order."""

    def __init__(self, deliberation_id: int, member_index: int, round_no: int) -> None:
        self.deliberation_id = deliberation_id
        self.member_index = member_index
        self.round_no = round_no
        self.batch = streaming.DeltaBatch.of(deliberation_id)

    async def add(self, delta: str) -> None:
        self.batch.add(self.member_index, self.round_no, delta)

    async def flush(self) -> None:
        """Publish what is buffered now (retrying a failed write a few times; raises the last
        error, with the text still buffered, when the database stays unreachable)."""
        await self.batch.flush(attempts=streaming.FLUSH_ATTEMPTS)

    async def repair(self, error: str) -> None:
        """Publish what is buffered, then that the member was asked to correct its answer."""
        await self.close()
        await streaming.apublish(
            self.deliberation_id,
            "member.repair",
            {"member": self.member_index, "round": self.round_no, "error": error},
        )

    async def close(self) -> None:
        """Publish what is buffered; call once the member's turn has ended."""
        await self.flush()


Parser = Callable[[str, bool], protocol.ProposalData | protocol.VoteData]


async def _turn(
    provider: base.Provider,
    spec: MemberSpec,
    request: CallRequest,
    parse: Parser,
    sink: DeltaCoalescer,
) -> TurnResult:
    """One member's answer with one repair attempt; every failure becomes a fault status.
    In a resumed run, a turn stored before is replayed from its row, not asked again."""
    stored = leases.stored_turn(sink.round_no, sink.member_index)
    if stored is not None:
        return _replayed(stored)
    started = time.monotonic()
    usage = Usage()
    text = ""
    repaired = False
    try:
        for attempt in (1, 2):
            async with asyncio.timeout(spec.timeout_s):
                completion = await provider.complete(request, on_delta=sink.add)
            usage += completion.usage
            text = completion.text
            try:
                # The repair answer is accepted without a valid code (name fallback).
                parsed = parse(text, attempt == 1)
                break
            except protocol.ProtocolError as exc:
                if attempt == 2:
                    return TurnResult(
                        TurnStatus.INVALID, text, str(exc), repaired, usage, _ms(started)
                    )
                repaired = True
                await sink.repair(str(exc))
                request = prompts.repair_request(request, answer=text, error=str(exc))
    except TimeoutError:
        return TurnResult(
            TurnStatus.TIMEOUT,
            text,
            f"no answer within {spec.timeout_s:g} s",
            repaired,
            usage,
            _ms(started),
        )
    except base.ProviderError as exc:
        return TurnResult(TurnStatus.ERROR, text, str(exc), repaired, usage, _ms(started))
    except Exception as exc:  # a provider bug must fault one member, not the deliberation
        log.exception("provider %s raised unexpectedly", spec.label)
        return TurnResult(
            TurnStatus.ERROR, text, f"{type(exc).__name__}: {exc}", repaired, usage, _ms(started)
        )
    result = TurnResult(TurnStatus.OK, text, "", repaired, usage, _ms(started))
    if isinstance(parsed, protocol.ProposalData):
        result.proposal = parsed
    else:
        result.vote = parsed
    return result


def _replayed(row: MemberTurn) -> TurnResult:
    usage = Usage(row.input_tokens, row.output_tokens, float(row.cost_usd))
    return TurnResult(row.status, row.raw_text, row.error, row.repaired, usage, row.latency_ms or 0)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# --- one round ---------------------------------------------------------------------------


async def _round(
    calls: dict[int, Awaitable[TurnResult]],
    *,
    tolerance: int,
    grace_s: float,
    on_result: Callable[[int, TurnResult], Awaitable[None]],
    settled: Callable[[int], bool] | None = None,
) -> dict[int, TurnResult]:
    """Run ``calls`` (member index -> turn) concurrently, handing each result to ``on_result``
    as it arrives. Once all but ``tolerance`` members answered validly, the rest get
    ``grace_s`` and then time out. ``settled(outstanding)`` true cancels the rest."""
    tasks = {asyncio.ensure_future(call): index for index, call in calls.items()}
    results: dict[int, TurnResult] = {}
    need = max(0, len(calls) - tolerance)
    deadline: float | None = None
    pending = set(tasks)
    cancel_status: str | None = None
    try:
        while pending:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, pending = await asyncio.wait(
                pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for task in sorted(done, key=lambda t: tasks[t]):
                index = tasks[task]
                results[index] = task.result()
                await on_result(index, results[index])
            valid = sum(1 for r in results.values() if r.status == TurnStatus.OK)
            if pending and settled is not None and settled(len(pending)):
                cancel_status = TurnStatus.CANCELLED
                break
            if deadline is None and valid >= need:
                deadline = time.monotonic() + grace_s
            if pending and deadline is not None and time.monotonic() >= deadline:
                cancel_status = TurnStatus.TIMEOUT
                break
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    for task in sorted(pending, key=lambda t: tasks[t]):
        index = tasks[task]
        if not task.cancelled() and task.exception() is None:
            results[index] = task.result()  # finished while being cancelled: keep it
        elif cancel_status == TurnStatus.CANCELLED:
            results[index] = TurnResult(TurnStatus.CANCELLED, error="outcome already decided")
        else:
            results[index] = TurnResult(
                TurnStatus.TIMEOUT, error=f"still running {grace_s:g} s after the quorum answered"
            )
        await on_result(index, results[index])
    return results


# --- persistence (sync, called through sync_to_async) ------------------------------------


def _claim(deliberation_id: int, owner: str) -> leases.Claim:
    # Under the row lock: a queued deliberation is claimed once; a running one only when its
    # runner's lease lapsed (it died), and is then resumed. A retried task finds it busy or ended.
    with transaction.atomic():
        claim = leases.take(deliberation_id, owner)
        case_id, is_evaluation = Deliberation.objects.values_list(
            "case_id", "case__is_evaluation"
        ).get(pk=deliberation_id)
        if claim.outcome == "claimed" and not is_evaluation:
            audit.record(
                "deliberation.resumed" if claim.resumed else "deliberation.started",
                object_type=Deliberation._meta.label_lower,
                object_id=str(deliberation_id),
                payload={"case": case_id, "attempt": claim.attempts},
            )
    return claim


def _load(deliberation_id: int) -> tuple[Deliberation, dict[int, str | None]]:
    deliberation = Deliberation.objects.select_related("case").get(pk=deliberation_id)
    keys: dict[int, str | None] = {}
    for index, member in enumerate(deliberation.panel_snapshot["members"]):
        credential_id = member.get("credential_id")
        keys[index] = (
            ProviderCredential.objects.get(pk=credential_id).reveal() if credential_id else None
        )
    return deliberation, keys


def _usage_fields(result: TurnResult) -> dict[str, Any]:
    return {
        "input_tokens": result.usage.input_tokens,
        "output_tokens": result.usage.output_tokens,
        "cost_usd": Decimal(str(round(result.usage.cost_usd, 6))),
        "latency_ms": result.latency_ms,
    }


def _save_proposal(
    deliberation: Deliberation, index: int, alias: str, result: TurnResult, key: str
) -> Proposal:
    if (stored := leases.stored_proposal(index)) is not None:
        return stored  # a resumed run: this turn was stored before its runner died
    p = result.proposal
    return Proposal.objects.create(
        deliberation=deliberation,
        member_index=index,
        alias=alias,
        status=result.status,
        error=result.error,
        raw_text=result.raw_text,
        repaired=result.repaired,
        diagnosis=p.diagnosis if p else "",
        icd10=(p.icd10 or "") if p else "",
        icd10_raw=p.icd10_raw if p else "",
        confidence=p.confidence if p else None,
        reasoning=p.reasoning if p else "",
        differential=list(p.differential) if p else [],
        abstained=p.abstain if p else False,
        class_key=key,
        **_usage_fields(result),
    )


def _save_vote(
    deliberation: Deliberation,
    index: int,
    alias: str,
    result: TurnResult,
    ballot: list[Proposal],
) -> Vote:
    if (stored := leases.stored_vote(index)) is not None:
        return stored  # a resumed run: this turn was stored before its runner died
    chosen: Proposal | None = None
    if result.vote is not None and result.vote.letter is not None:
        chosen = ballot[protocol.ballot_letters(len(ballot)).index(result.vote.letter)]
    return Vote.objects.create(
        deliberation=deliberation,
        member_index=index,
        alias=alias,
        status=result.status,
        error=result.error,
        raw_text=result.raw_text,
        repaired=result.repaired,
        ballot=[p.member_index for p in ballot],
        letter=(result.vote.letter or "") if result.vote else "",
        proposal=chosen,
        reasoning=result.vote.reasoning if result.vote else "",
        class_key=chosen.class_key if chosen else "",
        **_usage_fields(result),
    )


_FINISH_FIELDS = [
    "status",
    "outcome",
    "reason",
    "rounds",
    "round2_skipped",
    "winner_key",
    "winner_diagnosis",
    "winner_icd10",
    "winner_votes",
    "tally",
    "dissent",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "finished_at",
]


def _finish(
    deliberation: Deliberation,
    decision: protocol.Decision,
    *,
    rounds: int,
    skipped: str,
    proposals: list[Proposal],
    votes: list[Vote],
    usage: Usage,
    faults: list[int],
    events: list[Event],
) -> list[streaming.EventMessage]:
    # The decision, the case status, the escalation, the audit entry and the closing events
    # are written in one transaction; returns the events to send once it has committed.
    winner: Proposal | None = None
    if decision.winner is not None:
        in_class = [p for p in proposals if p.class_key == decision.winner]
        received = {p.pk: sum(1 for v in votes if v.proposal_id == p.pk) for p in in_class}
        winner = max(in_class, key=lambda p: (received[p.pk], p.confidence or 0, -p.member_index))
    dissent, review = _review(deliberation, decision, proposals)
    escalation = None
    with transaction.atomic():
        if not leases.may_end(deliberation.pk):
            # Recovery failed it, or another runner took it over: that one ends it.
            log.warning("deliberation %s ended elsewhere; not finished here", deliberation.pk)
            return []
        deliberation.status = DeliberationStatus.FINISHED
        deliberation.outcome = decision.outcome
        deliberation.reason = decision.reason
        deliberation.rounds = rounds
        deliberation.round2_skipped = skipped
        deliberation.winner_key = decision.winner or ""
        deliberation.winner_diagnosis = winner.diagnosis if winner else ""
        deliberation.winner_icd10 = winner.icd10 if winner else ""
        deliberation.winner_votes = decision.votes
        deliberation.tally = decision.tally
        deliberation.dissent = dissent
        deliberation.input_tokens = usage.input_tokens
        deliberation.output_tokens = usage.output_tokens
        deliberation.cost_usd = Decimal(str(round(usage.cost_usd, 6)))
        deliberation.finished_at = timezone.now()
        # Never write last_seq from this stale instance: streaming owns the event counter.
        deliberation.save(update_fields=_FINISH_FIELDS)
        case = deliberation.case
        if decision.outcome == "consensus":
            case.status = CaseStatus.CONSENSUS
            # An audit leaves the answer with the clinician; a dangerous dissent that the
            # panel escalates waits for a reviewer, the panel's answer shown flagged.
            escalation = _escalate(deliberation, review) if review else None
            if escalation is not None and review == EscalationReason.DANGEROUS_DISSENT:
                case.status = CaseStatus.ESCALATED
        else:
            case.status = CaseStatus.ESCALATED
            escalation = _escalate(deliberation, decision.reason)
        case.save(update_fields=["status", "updated_at"])
        if not case.is_evaluation:
            audit.record(
                "deliberation.finished",
                obj=deliberation,
                payload={
                    "outcome": decision.outcome,
                    "reason": decision.reason,
                    "winner": decision.winner,
                },
            )
        finished = {
            "outcome": decision.outcome,
            "reason": decision.reason,
            "winner": deliberation.winner_summary,
            "tally": decision.tally,
            "q": deliberation.panel_snapshot["q"],
            "faults": faults,
            "escalation": escalation.pk if escalation else None,
            "escalation_reason": escalation.reason if escalation else "",
            "dissent": dissent,
            "abstentions": deliberation.abstentions_among(proposals),
            "tokens": usage.input_tokens + usage.output_tokens,
        }
        return streaming.record(deliberation.pk, [*events, ("deliberation.finished", finished)])


def _review(
    deliberation: Deliberation, decision: protocol.Decision, proposals: list[Proposal]
) -> tuple[list[dict[str, Any]], str]:
    # The safety nets of a consensus: its dangerous dissents and whether it also goes to the
    # queue. Nothing to add to a NO CONSENSUS, which goes there anyway.
    if decision.winner is None:
        return [], ""
    opinions = [
        safety.Opinion(
            member=p.alias,
            diagnosis=p.diagnosis,
            icd10=p.icd10 or None,
            class_key=p.class_key,
            confidence=p.confidence,
            differential=tuple(p.differential),
            abstained=p.abstained,
        )
        for p in proposals
    ]
    return safety.review(
        deliberation.panel_snapshot,
        seed=deliberation.seed,
        winner=decision.winner,
        opinions=opinions,
    )


def _escalate(deliberation: Deliberation, reason: str) -> Escalation | None:
    if deliberation.case.is_evaluation:
        return None  # evaluation runs never reach the human queue
    # Ranks the escalation, audits it and announces it to open queue pages on commit.
    return escalations.create(deliberation, reason=reason)


def fail(deliberation_id: int, why: str, *, stale_only: bool = False) -> Escalation | None:
    """Mark a deliberation that could not finish as failed, with ``why``, and send its case to
    human review. Idempotent for deliberations that already ended; inside a run, only while
    the run still holds the lease; with ``stale_only`` (recovery), only when no live runner
    holds it. Returns the escalation, or None when nothing was failed."""
    with transaction.atomic():
        if not leases.may_end(deliberation_id, stale_only=stale_only):
            return None
        deliberation = (
            Deliberation.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=deliberation_id)
        )
        if deliberation.is_terminal:
            return None
        deliberation.status = DeliberationStatus.FAILED
        deliberation.failure = why
        deliberation.finished_at = timezone.now()
        deliberation.save(update_fields=["status", "failure", "finished_at"])
        deliberation.case.status = CaseStatus.ESCALATED
        deliberation.case.save(update_fields=["status", "updated_at"])
        if not deliberation.case.is_evaluation:
            audit.record("deliberation.failed", obj=deliberation, payload={"why": why})
        escalation = _escalate(deliberation, EscalationReason.FAILED)
        streaming.publish(
            deliberation_id,
            "deliberation.failed",
            {"reason": why, "escalation": escalation.pk if escalation else None},
        )
    return escalation


# --- the protocol ------------------------------------------------------------------------


def _fault_payload(index: int, round_no: int, result: TurnResult) -> dict[str, Any]:
    return {"member": index, "round": round_no, "status": result.status, "error": result.error}


async def run(deliberation_id: int) -> leases.RunResult:
    """Run a deliberation to its end: rounds, decision, escalation, events.

    Claims it first (see :mod:`cases.leases`), so running it twice is harmless: the result is
    ``"ran"``; ``"busy"`` when a live runner holds it (try again later), ``"ended"`` when it
    had already ended, ``"lost"`` when another runner took it over mid-run, ``"exhausted"``
    when it was claimed too often and has been failed. A deliberation whose runner died is
    resumed: stored turns are replayed, not asked again. Any unexpected error marks it failed
    (and escalates the case) rather than leaving it running.
    """
    owner = leases.new_owner()
    try:
        claim = await sync_to_async(_claim)(deliberation_id, owner)
        if claim.outcome == "exhausted":
            await sync_to_async(fail)(deliberation_id, EXHAUSTED.format(attempts=claim.attempts))
        if claim.outcome != "claimed":
            log.info("deliberation %s not run here: %s", deliberation_id, claim.outcome)
            return claim.outcome
        if claim.resumed:
            log.warning("deliberation %s resumed (attempt %s)", deliberation_id, claim.attempts)
        with leases.running_as(owner, claim):
            return await _run_leased(deliberation_id, owner)
    finally:
        await sync_to_async(_release_connections)()


async def _run_leased(deliberation_id: int, owner: str) -> leases.RunResult:
    main = asyncio.current_task()
    assert main is not None
    lost = asyncio.Event()
    heartbeat = asyncio.create_task(_heartbeat(deliberation_id, owner, main, lost))
    try:
        await _run_claimed(deliberation_id)
    except asyncio.CancelledError:
        if lost.is_set():
            main.uncancel()
            log.warning("deliberation %s was taken over by another runner", deliberation_id)
            return "lost"
        await sync_to_async(fail)(deliberation_id, INTERRUPTED_RUN)
        raise
    except Exception as exc:
        log.exception("deliberation %s failed", deliberation_id)
        why = f"Internal error: {type(exc).__name__}: {exc}"
        await sync_to_async(fail)(deliberation_id, why)
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


def _release_connections() -> None:
    # The run's database work happens on asgiref's worker thread, which outlives it; close
    # that thread's server connections (as CONN_MAX_AGE allows) so daphne and Celery workers
    # keep none idle. SQLite has no server to hold and closing it checkpoints the WAL
    # (milliseconds), so it stays open. Never inside a transaction: a test may hold one.
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite" and not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


async def _run_claimed(deliberation_id: int) -> None:
    deliberation, keys = await sync_to_async(_load)(deliberation_id)
    snap = deliberation.panel_snapshot
    q, f = snap["q"], snap["f"]
    min_confidence = int(snap.get("min_confidence", 0))
    level = snap["agreement_level"]
    grace = float(snap["grace_period_s"])
    specs = [member_spec(m) for m in snap["members"]]
    providers = [base.build(spec, api_key=keys[i]) for i, spec in enumerate(specs)]
    case_text = deliberation.case.text
    usage = Usage()

    members = [{"index": i, "alias": s.alias, "label": s.label} for i, s in enumerate(specs)]
    started = {"panel": snap["name"], "n": snap["n"], "q": q, "f": f, "members": members}
    # Bookkeeping events share one write where they fall together: less on the critical path.
    await streaming.apublish_many(
        deliberation_id, [("deliberation.started", started), ("round.started", {"round": 1})]
    )

    # Round 1: independent proposals.
    proposals: dict[int, Proposal] = {}
    sinks = {i: DeltaCoalescer(deliberation_id, i, 1) for i in range(len(specs))}

    def parse_proposal(text: str, strict: bool) -> protocol.ProposalData:
        return protocol.parse_proposal(text, strict_icd10=strict)

    async def on_proposal(index: int, result: TurnResult) -> None:
        nonlocal usage
        usage += result.usage
        await sinks[index].close()
        p = result.proposal
        key = protocol.class_key(p.diagnosis, p.icd10, level=level) if p and not p.abstain else ""

        def event(row: Proposal) -> Event:
            if result.status == TurnStatus.OK:
                return ("member.proposal", _proposal_payload(row))
            return ("member.fault", _fault_payload(index, 1, result))

        save = partial(_save_proposal, deliberation, index, specs[index].alias, result, key)
        proposals[index] = await _persist(deliberation_id, save, event)

    await _round(
        {
            i: _turn(
                providers[i],
                spec,
                prompts.proposal_request(spec, case_text),
                parse_proposal,
                sinks[i],
            )
            for i, spec in enumerate(specs)
        },
        tolerance=f,
        grace_s=grace,
        on_result=on_proposal,
    )
    valid = [proposals[i] for i in sorted(proposals) if proposals[i].status == TurnStatus.OK]
    answers = [p.answer for p in valid]
    # Only confident proposals stand on the ballot; abstentions and hesitant ones are shown
    # on the page but nobody can vote for them.
    ballot_rows = [valid[i] for i in protocol.candidates(answers, min_confidence=min_confidence)]
    faulty = {i for i, p in proposals.items() if p.is_fault}
    abstained = len(valid) - len(ballot_rows)
    round1_finished = {
        "round": 1,
        "valid": len(valid),
        "faults": len(faulty),
        "abstentions": abstained,
    }

    unanimous = (
        protocol.early_abort_class(answers, q=q, min_confidence=min_confidence)
        if snap["early_abort"]
        else None
    )
    votes: dict[int, Vote] = {}
    skipped = ""
    finishing: list[Event] = []
    if len(faulty) > f:
        skipped = "too_many_faults"
    elif len(ballot_rows) < q:
        skipped = "insufficient_information"
    elif unanimous is not None:
        skipped = "unanimous_round1"
    if skipped:
        finishing.append(("round.finished", round1_finished))
    else:
        # Round 2: every member still standing reviews the confident proposals and votes.
        await streaming.apublish_many(
            deliberation_id,
            [("round.finished", round1_finished), ("round.started", {"round": 2})],
        )
        voters = [i for i in range(len(specs)) if i not in faulty]
        ballots: dict[int, list[Proposal]] = {}
        vote_sinks = {i: DeltaCoalescer(deliberation_id, i, 2) for i in voters}
        calls: dict[int, Awaitable[TurnResult]] = {}
        for i in voters:
            order = protocol.shuffled_order(len(ballot_rows), seed=deliberation.seed + i)
            ballots[i] = [ballot_rows[j] for j in order]
            letters = protocol.ballot_letters(len(ballot_rows))
            entries = tuple(
                BallotEntry(letter, p.diagnosis, p.icd10 or None, p.confidence or 0, p.reasoning)
                for letter, p in zip(letters, ballots[i], strict=True)
            )

            def parse_vote(
                text: str, strict: bool, letters: list[str] = letters
            ) -> protocol.VoteData:
                return protocol.parse_vote(text, letters=letters)

            calls[i] = _turn(
                providers[i],
                specs[i],
                prompts.vote_request(specs[i], case_text, entries),
                parse_vote,
                vote_sinks[i],
            )

        async def on_vote(index: int, result: TurnResult) -> None:
            nonlocal usage
            usage += result.usage
            await vote_sinks[index].close()

            def event(row: Vote) -> Event:
                if result.status == TurnStatus.OK:
                    return ("member.vote", _vote_payload(row))
                if result.status == TurnStatus.CANCELLED:
                    return ("member.cancelled", {"member": index, "round": 2})
                return ("member.fault", _fault_payload(index, 2, result))

            save = partial(
                _save_vote, deliberation, index, specs[index].alias, result, ballots[index]
            )
            votes[index] = await _persist(deliberation_id, save, event)

        def settled(outstanding: int) -> bool:
            counts = protocol.tally(
                v.class_key for v in votes.values() if v.status == TurnStatus.OK and v.class_key
            )
            return protocol.is_settled(counts, q=q, outstanding=outstanding)

        await _round(
            calls,
            tolerance=max(0, f - len(faulty)),
            grace_s=grace,
            on_result=on_vote,
            settled=settled if snap["early_decision"] else None,
        )
        faulty |= {i for i, v in votes.items() if v.is_fault}
        ok_votes = [v for v in votes.values() if v.status == TurnStatus.OK]
        finishing.append(
            (
                "round.finished",
                {
                    "round": 2,
                    "valid": len(ok_votes),
                    "faults": len(faulty),
                    "abstentions": sum(1 for v in ok_votes if v.abstained),
                },
            )
        )

    position = {row.pk: index for index, row in enumerate(valid)}
    decision = protocol.decide(
        q=q,
        f=f,
        faults=len(faulty),
        answers=answers,
        votes=[
            position[v.proposal_id] if v.proposal_id is not None else None
            for v in votes.values()
            if v.status == TurnStatus.OK
        ]
        if votes
        else None,
        min_confidence=min_confidence,
    )
    messages = await sync_to_async(_finish)(
        deliberation,
        decision,
        rounds=2 if votes else 1,
        skipped=skipped,
        proposals=valid,
        votes=list(votes.values()),
        usage=usage,
        faults=sorted(faulty),
        events=finishing,
    )
    await streaming.send(messages)


Event = tuple[streaming.EventType, dict[str, Any]]


async def _persist[R](
    deliberation_id: int, save: Callable[[], R], event: Callable[[R], Event]
) -> R:
    """Write a member's row and the event that announces it in one transaction, then send
    the event. Returns the row."""

    def write() -> tuple[R, list[streaming.EventMessage]]:
        with transaction.atomic():
            row = save()
            if leases.is_stored(row):
                return row, []  # resumed: announced by the run that stored it
            return row, streaming.record(deliberation_id, [event(row)])

    row, messages = await sync_to_async(write)()
    await streaming.send(messages)
    return row


def _proposal_payload(row: Proposal) -> dict[str, Any]:
    return {
        "member": row.member_index,
        "round": 1,
        "diagnosis": row.diagnosis,
        "icd10": row.icd10,
        "icd10_description": protocol.icd10_description(row.icd10),
        "confidence": row.confidence,
        "reasoning": row.reasoning,
        "differential": row.differential,
        "class_key": row.class_key,
        "repaired": row.repaired,
        "abstained": row.abstained,
        "below_threshold": row.below_threshold,
    }


def _vote_payload(row: Vote) -> dict[str, Any]:
    chosen = row.proposal
    return {
        "member": row.member_index,
        "round": 2,
        "letter": row.letter,
        "for_member": chosen.member_index if chosen else None,
        "diagnosis": chosen.diagnosis if chosen else "",
        "class_key": row.class_key,
        "reasoning": row.reasoning,
        "repaired": row.repaired,
        "abstained": row.abstained,
    }
