"""Every database write of a run, each sync (called through ``sync_to_async``): the claim
with the opening events, the members' keys, a member's row with the event that announces
it, the decision with the case status, escalation, audit entry and closing events, and
failing a run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections, transaction
from django.utils import timezone

from cases import audit, leases, protocol, safety, streaming
from cases import escalation as escalations
from cases import rows as sql_rows
from cases.deliberation.coalescer import DeltaBatch
from cases.deliberation.rounds import TurnResult
from cases.escalation.selectors import candidates_from
from cases.models import (
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
from panels.models import ProviderCredential
from panels.providers.base import Usage
from panels.snapshot import MemberSnapshot

log = logging.getLogger(__name__)

Event = streaming.Event


@dataclass
class Started:
    """What :func:`start` did: the ``claim`` and, when claimed, the ``opening`` events
    recorded with it (to send), the members' revealed ``keys`` (by member index) and the
    ``prepared`` future of their preparation, or the ``error`` that building them raised (the
    run fails with it once it holds the lease, as with any error of a run)."""

    claim: leases.Claim
    opening: list[streaming.EventMessage] = field(default_factory=list)
    keys: dict[int, str | None] = field(default_factory=dict)
    prepared: Future[object] | None = None
    error: Exception | None = None


def start(
    deliberation_id: int,
    owner: str,
    opening: Callable[[Deliberation], list[Event]] | None = None,
    prepare: Callable[[Deliberation], Future[object]] | None = None,
) -> Started:
    """Claim the deliberation for ``owner`` (see :func:`leases.take`), audit a start or a
    resumption, start readying its members (``prepare``, which hands the work to a thread of
    its own and returns its future), reveal their keys and record the ``opening`` events
    built from the claimed row, in one transaction: the one write, and the one hop to this
    thread, before Round 1."""
    # Under the row lock: a queued deliberation is claimed once; a running one only when its
    # runner's lease lapsed (it died), and is then resumed. A retried task finds it busy or ended.
    with transaction.atomic():
        taken = leases.take(deliberation_id, owner)
        deliberation = taken.deliberation
        if taken.outcome != "claimed" or deliberation is None:
            return Started(taken)
        prepared: Future[object] | None = None
        try:
            # Begun first, so that the members get ready while this transaction commits and
            # the run does not wait for another thread after it (issue 14).
            prepared = prepare(deliberation) if prepare is not None else None
        except Exception as exc:  # a run's error: reported once the run holds the lease
            return Started(taken, error=exc)
        if not deliberation.case.is_evaluation:
            audit.record(
                "deliberation.resumed" if taken.resumed else "deliberation.started",
                object_type=Deliberation._meta.label_lower,
                object_id=str(deliberation_id),
                payload={"case": deliberation.case_id, "attempt": taken.attempts},
            )
        try:
            members = deliberation.snapshot.members
            # Only members with a vendor key need the database for it.
            revealed = keys(members) if any(m.credential_id for m in members) else {}
            events = opening(deliberation) if opening is not None else []
        except Exception as exc:  # a run's error: reported once the run holds the lease
            return Started(taken, prepared=prepared, error=exc)
        if not events:
            return Started(taken, keys=revealed, prepared=prepared)
        with leases.running_as(owner, taken):  # a resumed run records them once
            messages = streaming.record(deliberation_id, events)
        return Started(taken, opening=messages, keys=revealed, prepared=prepared)


def keys(members: Sequence[MemberSnapshot]) -> dict[int, str | None]:
    """Each member's revealed API key (or None), by member index."""
    return {
        index: ProviderCredential.objects.get(pk=m.credential_id).reveal()
        if m.credential_id
        else None
        for index, m in enumerate(members)
    }


def replayed(row: MemberTurn) -> TurnResult:
    """A turn a resumed run finds stored, as the result it had."""
    usage = Usage(row.input_tokens, row.output_tokens, float(row.cost_usd))
    status = TurnStatus(row.status)
    return TurnResult(status, row.raw_text, row.error, row.repaired, usage, row.latency_ms or 0)


def _turn_fields(
    deliberation: Deliberation, index: int, alias: str, result: TurnResult
) -> dict[str, Any]:
    # What a Proposal and a Vote row store alike about a member's turn.
    return {
        "deliberation": deliberation,
        "member_index": index,
        "alias": alias,
        "status": result.status,
        "error": result.error,
        "raw_text": result.raw_text,
        "repaired": result.repaired,
        "input_tokens": result.usage.input_tokens,
        "output_tokens": result.usage.output_tokens,
        "cost_usd": Decimal(str(round(result.usage.cost_usd, 6))),
        "latency_ms": result.latency_ms,
    }


def proposal_row(
    deliberation: Deliberation, index: int, alias: str, result: TurnResult, key: str
) -> Proposal:
    """The member's Round 1 row, not written yet (the stored one in a resumed run): built on
    the event loop, so that the ballot is known before the row is written."""
    if (stored := leases.stored_proposal(index)) is not None:
        return stored  # a resumed run: this turn was stored before its runner died
    p = result.proposal
    return Proposal(
        **_turn_fields(deliberation, index, alias, result),
        diagnosis=p.diagnosis if p else "",
        icd10=(p.icd10 or "") if p else "",
        icd10_raw=p.icd10_raw if p else "",
        confidence=p.confidence if p else None,
        reasoning=p.reasoning if p else "",
        differential=list(p.differential) if p else [],
        abstained=p.abstain if p else False,
        class_key=key,
    )


def insert_turn[T: MemberTurn](row: T) -> T:
    """Write a turn's row (one a previous runner stored is left as it is); returns it."""
    if not leases.is_stored(row):
        sql_rows.insert(row)  # plain SQL: the last turn of a round is on the critical path
    return row


def save_proposal(
    deliberation: Deliberation, index: int, alias: str, result: TurnResult, key: str
) -> Proposal:
    """The member's Round 1 row, written (the stored one in a resumed run)."""
    return insert_turn(proposal_row(deliberation, index, alias, result, key))


def save_vote(
    deliberation: Deliberation,
    index: int,
    alias: str,
    result: TurnResult,
    ballot: list[Proposal],
) -> Vote:
    """The member's Round 2 row on its ``ballot`` (the stored one in a resumed run)."""
    if (stored := leases.stored_vote(index)) is not None:
        return stored  # a resumed run: this turn was stored before its runner died
    chosen: Proposal | None = None
    if result.vote is not None and result.vote.letter is not None:
        chosen = ballot[protocol.ballot_letters(len(ballot)).index(result.vote.letter)]
    row = Vote(
        **_turn_fields(deliberation, index, alias, result),
        ballot=[p.member_index for p in ballot],
        letter=(result.vote.letter or "") if result.vote else "",
        proposal=chosen,
        reasoning=result.vote.reasoning if result.vote else "",
        class_key=chosen.class_key if chosen else "",
    )
    sql_rows.insert(row)  # plain SQL, as save_proposal
    return row


type Turns[R] = Sequence[tuple[Callable[[], R], Callable[[R], Event]]]
type Closing[R] = Callable[[list[R]], list[Event]] | None


async def persist[R](
    deliberation_id: int,
    turns: Turns[R],
    *,
    text: DeltaBatch | None = None,
    closing: Closing[R] = None,
) -> list[R]:
    """Write the rows of member turns that ended together, each ``(save, event)``: ``save()``
    writes the row, ``event(row)`` announces it; all in one transaction, then send the
    events. Returns the rows, in order. With ``text`` (the deliberation's pending live text,
    these members' last words among it), that text is written first in the same transaction:
    one write at the end of a turn, not a flush and then the row. Should that write fail, the
    text is flushed on its own (with its retries), then the rows are written. ``closing(rows)``,
    for a round's last turns, writes what follows them (inside the same transaction) and gives
    the events recorded after theirs in the same write."""
    write = partial(write_and_send, deliberation_id, turns, closing)
    if text is not None:
        try:
            return await text.flush_with(write)
        except leases.LeaseLost:
            raise
        except Exception as exc:  # a database blip: the text's own retries, then the rows
            log.warning("writing a turn of deliberation %s failed: %s", deliberation_id, exc)
            await text.flush(attempts=streaming.FLUSH_ATTEMPTS)
    return await write([])


async def write_and_send[R](
    deliberation_id: int, turns: Turns[R], closing: Closing[R], deltas: list[Event]
) -> list[R]:
    def write() -> tuple[list[R], list[streaming.EventMessage]]:
        with transaction.atomic():
            leases.fence(deliberation_id)
            rows = [save() for save, _ in turns]
            after = closing(rows) if closing is not None else []
            # A resumed run's stored row was announced by the run that stored it.
            announced = [
                event(row)
                for row, (_, event) in zip(rows, turns, strict=True)
                if not leases.is_stored(row)
            ]
            events = [*deltas, *announced, *after]
            return rows, streaming.record(deliberation_id, events) if events else []

    rows, messages = await sync_to_async(write)()
    await streaming.send(messages)
    return rows


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


@dataclass
class Ending:
    """How a run ends: the ``decision`` over its stored ``proposals`` (Round 1's valid ones)
    and ``votes``, with the rounds it took, why Round 2 was ``skipped`` (or ""), its usage,
    the members that faulted and the ``events`` that close its last round."""

    decision: protocol.Decision
    rounds: int
    skipped: str
    proposals: list[Proposal]
    votes: list[Vote]
    usage: Usage
    faults: list[int]
    events: list[Event]


def finish(deliberation: Deliberation, ending: Ending) -> list[streaming.EventMessage]:
    """Write the decision, the case status, the escalation, the audit entry and the closing
    events in one transaction (see :func:`finish_in`); returns the events to send once it has
    committed (none when the run no longer holds the lease)."""
    with transaction.atomic(savepoint=False):
        events = finish_in(deliberation, ending)
        return streaming.record(deliberation.pk, events) if events else []


def finish_in(deliberation: Deliberation, ending: Ending, *, fenced: bool = False) -> list[Event]:
    """Inside the caller's transaction: write the decision, the case status, the escalation
    and the audit entry; returns the events to record in that transaction (the ending's own,
    then ``deliberation.finished``), or none when the run no longer holds the lease (nothing
    is written then). ``fenced``: the transaction has already checked the lease (a turn's
    write, see :func:`write_and_send`), under locks it still holds."""
    decision, proposals, votes, usage = (
        ending.decision,
        ending.proposals,
        ending.votes,
        ending.usage,
    )
    winner = _winner_row(decision, proposals, votes)
    dissent, review = _review(deliberation, decision, proposals)
    if not fenced and not leases.may_end(deliberation.pk):
        # Recovery failed it, or another runner took it over: that one ends it.
        log.warning("deliberation %s ended elsewhere; not finished here", deliberation.pk)
        return []
    deliberation.status = DeliberationStatus.FINISHED
    deliberation.outcome = decision.outcome
    deliberation.reason = decision.reason
    deliberation.rounds = ending.rounds
    deliberation.round2_skipped = ending.skipped
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
    sql_rows.update(deliberation, _FINISH_FIELDS)  # plain SQL: on the critical path
    escalation = _route_case(deliberation, decision, review, (proposals, votes))
    finished = streaming.DeliberationFinished(
        outcome=decision.outcome,
        reason=decision.reason,
        winner=deliberation.winner_summary,
        tally=decision.tally,
        q=deliberation.snapshot.q,
        faults=ending.faults,
        escalation=escalation.pk if escalation else None,
        escalation_reason=escalation.reason if escalation else "",
        dissent=dissent,
        abstentions=deliberation.abstentions_among(proposals),
        tokens=usage.input_tokens + usage.output_tokens,
    )
    return [*ending.events, ("deliberation.finished", finished)]


def _winner_row(
    decision: protocol.Decision, proposals: list[Proposal], votes: list[Vote]
) -> Proposal | None:
    # The winning class's most voted proposal (then the most confident, then the first).
    if decision.winner is None:
        return None
    in_class = [p for p in proposals if p.class_key == decision.winner]
    received = {p.pk: sum(1 for v in votes if v.proposal_id == p.pk) for p in in_class}
    return max(in_class, key=lambda p: (received[p.pk], p.confidence or 0, -p.member_index))


def _route_case(
    deliberation: Deliberation,
    decision: protocol.Decision,
    review: str,
    rows: tuple[list[Proposal], list[Vote]],
) -> Escalation | None:
    # The case status and its escalation, if any, then the audit entry of the decision.
    case = deliberation.case
    escalation = None
    if decision.outcome == "consensus":
        case.status = CaseStatus.CONSENSUS
        # An audit leaves the answer with the clinician; a dangerous dissent that the
        # panel escalates waits for a reviewer, the panel's answer shown flagged.
        escalation = _escalate(deliberation, review, rows) if review else None
        if escalation is not None and review == EscalationReason.DANGEROUS_DISSENT:
            case.status = CaseStatus.ESCALATED
    else:
        case.status = CaseStatus.ESCALATED
        escalation = _escalate(deliberation, decision.reason, rows)
    sql_rows.update(case, ["status", "updated_at"])
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
    return escalation


def _review(
    deliberation: Deliberation, decision: protocol.Decision, proposals: list[Proposal]
) -> tuple[list[safety.DissentEntry], str]:
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
        deliberation.snapshot,
        seed=deliberation.seed,
        winner=decision.winner,
        opinions=opinions,
    )


def _escalate(
    deliberation: Deliberation, reason: str, rows: tuple[list[Proposal], list[Vote]] | None = None
) -> Escalation | None:
    if deliberation.case.is_evaluation:
        return None  # evaluation runs never reach the human queue
    # Ranks the escalation, audits it and announces it to open queue pages on commit. A run
    # passes every proposal and vote it holds: its candidates are not read back.
    found = candidates_from(*rows) if rows is not None else None
    return escalations.create(deliberation, reason=reason, found=found)


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
            streaming.DeliberationFailed(
                reason=why, escalation=escalation.pk if escalation else None
            ),
        )
    return escalation


def holds_server_connections() -> bool:
    """Whether any configured database is a server, whose idle connections
    :func:`release_connections` closes (SQLite has none: a run skips that hop)."""
    return any(connections[alias].vendor != "sqlite" for alias in connections)


def release_connections() -> None:
    """Close this thread's idle server connections once a run is over."""
    # The run's database work happens on asgiref's worker thread, which outlives it; close
    # that thread's server connections (as CONN_MAX_AGE allows) so daphne and Celery workers
    # keep none idle. SQLite has no server to hold and closing it checkpoints the WAL
    # (milliseconds), so it stays open. Never inside a transaction: a test may hold one.
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite" and not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
