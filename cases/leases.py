"""Who runs a deliberation: the lease a runner holds while it runs one, and what a resumed run
finds already stored.

A runner claims a deliberation by taking its lease (``DeliberationRun.owner`` and
``lease_until``) and renews it with a heartbeat. A queued deliberation is claimed by whoever
comes first; a running one only when its lease has lapsed (its runner died), and the new
runner *resumes* it: member turns already stored are replayed from their rows, never asked
again. Every write that stores a turn or ends a deliberation checks, under the row lock,
that the lease is still its runner's, so two runners can never both write one member's turn
nor both finish one.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases import rows
from cases.models import (
    Deliberation,
    DeliberationRun,
    DeliberationStatus,
    MemberTurn,
    Proposal,
    Vote,
)

ClaimOutcome = Literal["claimed", "busy", "ended", "exhausted"]
RunResult = Literal["ran", "busy", "ended", "exhausted", "lost"]

# The runner this context belongs to, and the turns its deliberation had stored before it
# claimed it (keyed by (round, member)); both unset outside a run.
_owner: ContextVar[str | None] = ContextVar("deliberation_owner", default=None)
_stored: ContextVar[dict[tuple[int, int], MemberTurn]] = ContextVar("stored_turns")
_resumed: ContextVar[bool] = ContextVar("resumed", default=False)


class LeaseLost(Exception):
    """This run may no longer write: its deliberation was ended elsewhere (``ended``), or
    another runner, thinking it dead, took its lease over."""

    def __init__(self, deliberation_id: int, *, ended: bool) -> None:
        self.ended = ended
        why = "was ended elsewhere" if ended else "was taken over by another runner"
        super().__init__(f"deliberation {deliberation_id} {why}")


@dataclass
class Claim:
    """The answer to a claim: ``claimed`` (run it; ``resumed`` when another runner had begun
    it), ``busy`` (a live runner holds it; try again in ``wait_s``), ``ended`` (finished or
    failed) or ``exhausted`` (claimed too often already: fail it)."""

    outcome: ClaimOutcome
    resumed: bool = False
    attempts: int = 0
    wait_s: float = 0.0
    stored: dict[tuple[int, int], MemberTurn] = field(default_factory=dict)
    deliberation: Deliberation | None = None  # when claimed: the row, with its case


def new_owner() -> str:
    """A name for one run, unique across hosts and processes: host:pid:random."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _lease_span() -> timedelta:
    return timedelta(seconds=settings.DELIBERATION_LEASE_S)


def take(deliberation_id: int, owner: str) -> Claim:
    """Claim ``deliberation_id`` for ``owner`` (see :class:`Claim`). Call inside a transaction
    that also records what starting means; raises Deliberation.DoesNotExist for an unknown id."""
    # Plain SQL (cases.rows): every run starts with these statements, before Round 1.
    now = timezone.now()
    deliberation = rows.fetch(Deliberation, "id", deliberation_id, related="case", lock=True)
    if deliberation is None:
        raise Deliberation.DoesNotExist(f"Deliberation {deliberation_id} does not exist.")
    if deliberation.is_terminal:
        return Claim("ended")
    resumed = deliberation.status == DeliberationStatus.RUNNING
    held = rows.fetch(DeliberationRun, "deliberation_id", deliberation_id, lock=True)
    if held is None:  # run without an outbox row (evaluations, benches): write it claimed
        held = _claimed_row(deliberation_id, owner, now + _lease_span())
    else:
        if resumed and held.lease_until is not None and held.lease_until > now:
            return Claim("busy", wait_s=(held.lease_until - now).total_seconds() + 1)
        if held.attempts >= settings.DELIBERATION_MAX_ATTEMPTS:
            return Claim("exhausted", resumed=resumed, attempts=held.attempts)
        _hold(held, owner, now + _lease_span())
    if not resumed:
        deliberation.status = DeliberationStatus.RUNNING
        deliberation.started_at = now
        rows.update(deliberation, ["status", "started_at"])
    # Only a deliberation another runner began can have turns stored.
    stored = _turns(deliberation) if resumed else {}
    return Claim(
        "claimed", resumed=resumed, attempts=held.attempts, stored=stored, deliberation=deliberation
    )


def _hold(held: DeliberationRun, owner: str, lease_until: datetime) -> None:
    held.owner, held.lease_until, held.attempts = owner, lease_until, held.attempts + 1
    rows.update(held, ["owner", "lease_until", "attempts"])


def _claimed_row(deliberation_id: int, owner: str, lease_until: datetime) -> DeliberationRun:
    # The row written with its first claim (one INSERT, not an empty row then its update);
    # should a concurrent writer have inserted it meanwhile, that one is claimed instead
    # (ON CONFLICT DO NOTHING: no savepoint around the INSERT).
    held = DeliberationRun(
        deliberation_id=deliberation_id, owner=owner, lease_until=lease_until, attempts=1
    )
    if rows.insert(held, skip_conflict=True):
        return held
    stored = rows.fetch(DeliberationRun, "deliberation_id", deliberation_id, lock=True)
    assert stored is not None  # the row that clashed is never deleted without its deliberation
    _hold(stored, owner, lease_until)
    return stored


def _turns(deliberation: Deliberation) -> dict[tuple[int, int], MemberTurn]:
    stored: dict[tuple[int, int], MemberTurn] = {}
    for proposal in Proposal.objects.filter(deliberation=deliberation):
        stored[(1, proposal.member_index)] = proposal
    for vote in Vote.objects.filter(deliberation=deliberation).select_related("proposal"):
        stored[(2, vote.member_index)] = vote
    return stored


def renew(deliberation_id: int, owner: str) -> bool:
    """Extend ``owner``'s lease; False when another runner has taken it over."""
    return (
        DeliberationRun.objects.filter(deliberation_id=deliberation_id, owner=owner).update(
            lease_until=timezone.now() + _lease_span()
        )
        == 1
    )


def release(deliberation_id: int, owner: str) -> None:
    """Give the lease up (the run ended, or was interrupted and may be resumed at once)."""
    DeliberationRun.objects.filter(deliberation_id=deliberation_id, owner=owner).update(
        lease_until=None
    )


def may_end(deliberation_id: int, *, stale_only: bool = False) -> bool:
    """Lock the deliberation and say whether the caller may finish or fail it now: it is not
    ended, and inside a run the lease is still this run's. ``stale_only`` (recovery) also
    requires that no live runner holds it. Call inside a transaction."""
    return _standing(deliberation_id, stale_only) == "ours"


def _standing(deliberation_id: int, stale_only: bool) -> Literal["ours", "ended", "taken"]:
    assert connection.in_atomic_block, "may_end() locks rows: call it inside a transaction"
    # Two statements, not one join: on PostgreSQL a joined read that waited for the lock
    # would see the runner as of before the wait (READ COMMITTED), missing a takeover. Plain
    # SQL: every finish runs this on a run's critical path (issue 14), and the ORM spends more
    # building these two reads than the database spends answering them.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('status')} FROM {quote(Deliberation._meta.db_table)}"
            f" WHERE {quote('id')} = %s{lock}",
            [deliberation_id],
        )
        status = cursor.fetchone()
        if status is None or status[0] in (DeliberationStatus.FINISHED, DeliberationStatus.FAILED):
            return "ended"
        # The lease is live when it runs out after now (compared in SQL, as a filter would).
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(
            f"SELECT {quote('owner')}, {quote('lease_until')} IS NOT NULL"
            f" AND {quote('lease_until')} > %s FROM {quote(DeliberationRun._meta.db_table)}"
            f" WHERE {quote('deliberation_id')} = %s{lock}",
            [now, deliberation_id],
        )
        lease = cursor.fetchone()
    owner = _owner.get()
    if owner is not None:
        return "ours" if lease is not None and lease[0] == owner else "taken"
    return "taken" if stale_only and lease is not None and lease[1] else "ours"


def fence(deliberation_id: int) -> None:
    """Before a run writes a turn: raise :class:`LeaseLost` unless it may still write (as
    :func:`may_end`). Without it a runner whose lease lapsed while it was slow would store a
    turn the runner that took over is also storing, and one of the two would fail on the
    unique row. Locks the rows in the order a claim does, so the two never deadlock."""
    standing = _standing(deliberation_id, stale_only=False)
    if standing != "ours":
        raise LeaseLost(deliberation_id, ended=standing == "ended")


@contextmanager
def running_as(owner: str, claim: Claim) -> Iterator[None]:
    """Mark the current context (and the tasks and threads it starts) as ``owner``'s run."""
    owner_token = _owner.set(owner)
    stored_token = _stored.set(claim.stored)
    resumed_token = _resumed.set(claim.resumed)
    try:
        yield
    finally:
        _resumed.reset(resumed_token)
        _stored.reset(stored_token)
        _owner.reset(owner_token)


def current_owner() -> str | None:
    return _owner.get()


def stored_turn(round_no: int, member_index: int) -> MemberTurn | None:
    """The row a previous runner stored for this member's turn, in a resumed run."""
    return _stored.get({}).get((round_no, member_index))


def stored_proposal(member_index: int) -> Proposal | None:
    turn = stored_turn(1, member_index)
    return turn if isinstance(turn, Proposal) else None


def stored_vote(member_index: int) -> Vote | None:
    turn = stored_turn(2, member_index)
    return turn if isinstance(turn, Vote) else None


def is_stored(row: object) -> bool:
    """Whether ``row`` is one a previous runner stored (its event was sent back then)."""
    return any(row is turn for turn in _stored.get({}).values())


def resuming() -> bool:
    """Whether this context is a run that took over a deliberation another runner began."""
    return _resumed.get()
