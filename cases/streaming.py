"""The one publisher of live events: a deliberation's are a numbered DeliberationEvent row
first, then a message to the deliberation's channel group (pages replay rows they missed);
:func:`broadcast` sends the few with no row (a new escalation to open queue pages).

Every event type has one payload TypedDict below (the JSON shape on the wire and in the
rows); :data:`Event` pairs each type with its payload, so mypy checks every place that
builds one: ``publish``/``apublish`` through their overloads, ``record``/``apublish_many``
through the pairs (build them with the TypedDict, e.g. ``("round.started",
RoundStarted(round=1))``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, overload

from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from cases import leases, protocol
from cases.models import Deliberation, DeliberationEvent, TurnStatus, WinnerSummary

if TYPE_CHECKING:  # safety imports the escalation package, which is to publish through here
    from cases.safety import DissentEntry

log = logging.getLogger(__name__)

# Times a member's closing flush tries its write before giving up (the text stays buffered).
FLUSH_ATTEMPTS = 5
# After a failed send the channel layer is skipped this long: rows are the truth, and pages
# fill what they missed from them, so a broken layer must not slow the deliberation down.
SEND_PAUSE_S = 5.0
SEND_TIMEOUT_S = 2.0
# Events a deliberation has once per round: a resumed run does not record them again.
_ONCE = {"deliberation.started", "round.started", "round.finished"}

EventType = Literal[
    "deliberation.started",
    "round.started",
    "member.delta",
    "member.repair",
    "member.proposal",
    "member.vote",
    "member.fault",
    "member.cancelled",
    "round.finished",
    "deliberation.finished",
    "deliberation.failed",
]


class MemberLabel(TypedDict):
    index: int
    alias: str
    label: str


class DeliberationStarted(TypedDict):
    panel: str
    n: int
    q: int
    f: int
    members: list[MemberLabel]


class RoundStarted(TypedDict):
    round: int


class MemberDelta(TypedDict):
    """A coalesced chunk of a member's text (see ``cases.deliberation.coalescer``)."""

    member: int
    round: int
    text: str


class MemberRepair(TypedDict):
    """The member's answer failed validation (``error``) and it was asked to correct it."""

    member: int
    round: int
    error: str


class MemberProposal(TypedDict):
    member: int
    round: Literal[1]
    diagnosis: str
    icd10: str
    icd10_description: str
    confidence: int | None
    reasoning: str
    differential: list[str]
    class_key: str
    repaired: bool
    abstained: bool
    below_threshold: bool


class MemberVote(TypedDict):
    member: int
    round: Literal[2]
    letter: str
    for_member: int | None  # whose proposal the vote chose (None: it chose none)
    diagnosis: str
    class_key: str
    reasoning: str
    repaired: bool
    abstained: bool


class MemberFault(TypedDict):
    member: int
    round: int
    status: TurnStatus  # a fault status: timeout, error or invalid
    error: str


class MemberCancelled(TypedDict):
    """An outstanding voter cancelled by an early decision (not a fault)."""

    member: int
    round: int


class RoundFinished(TypedDict):
    round: int
    valid: int
    faults: int
    abstentions: int


class DeliberationFinished(TypedDict):
    outcome: protocol.Outcome
    reason: protocol.Reason
    winner: WinnerSummary | None
    tally: dict[str, int]
    q: int
    faults: list[int]
    escalation: int | None
    escalation_reason: str
    dissent: list[DissentEntry]
    abstentions: int
    tokens: int


class DeliberationFailed(TypedDict):
    reason: str
    escalation: int | None


Event = (
    tuple[Literal["deliberation.started"], DeliberationStarted]
    | tuple[Literal["round.started"], RoundStarted]
    | tuple[Literal["member.delta"], MemberDelta]
    | tuple[Literal["member.repair"], MemberRepair]
    | tuple[Literal["member.proposal"], MemberProposal]
    | tuple[Literal["member.vote"], MemberVote]
    | tuple[Literal["member.fault"], MemberFault]
    | tuple[Literal["member.cancelled"], MemberCancelled]
    | tuple[Literal["round.finished"], RoundFinished]
    | tuple[Literal["deliberation.finished"], DeliberationFinished]
    | tuple[Literal["deliberation.failed"], DeliberationFailed]
)
Payload = (
    DeliberationStarted
    | RoundStarted
    | MemberDelta
    | MemberRepair
    | MemberProposal
    | MemberVote
    | MemberFault
    | MemberCancelled
    | RoundFinished
    | DeliberationFinished
    | DeliberationFailed
)


class EventMessage(TypedDict):
    """What a page receives: the row's sequence number, its type and its payload (as stored:
    rows written before a payload field existed lack it)."""

    seq: int
    type: EventType
    payload: dict[str, Any]
    deliberation: NotRequired[int]


Message = EventMessage  # for the overloads below, one line each


def group_name(deliberation_id: int) -> str:
    return f"deliberation.{deliberation_id}"


def record(deliberation_id: int, events: Sequence[Event]) -> list[EventMessage]:
    """Write ``events`` as DeliberationEvent rows with consecutive sequence numbers, in one
    transaction (joining the caller's, if any). Returns the messages to :func:`send` once
    that transaction has committed. Raises Deliberation.DoesNotExist for an unknown id."""
    if leases.resuming():
        events = _not_yet_recorded(deliberation_id, events)
        if not events:
            return []
    # No savepoint inside a caller's transaction: every caller lets an error end its whole
    # transaction, so a savepoint would only add two statements to every member's turn.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The counter lives on the deliberation row, so numbers are gap-free and ordered
        # even when several processes write (the update takes the row lock). RETURNING
        # (SQLite 3.35+, PostgreSQL) reads the new number in the same statement.
        cursor.execute(
            f"UPDATE {_DELIBERATION_TABLE} SET last_seq = last_seq + %s WHERE id = %s "
            "RETURNING last_seq",
            [len(events), deliberation_id],
        )
        row = cursor.fetchone()
        if row is None:
            raise Deliberation.DoesNotExist(f"Deliberation {deliberation_id} does not exist.")
        first = int(row[0]) - len(events) + 1
        messages = [
            EventMessage(seq=seq, type=kind, payload=body, deliberation=deliberation_id)  # type: ignore[typeddict-item]
            for seq, (kind, body) in enumerate(events, start=first)
        ]
        _insert_rows(cursor, messages)
    return messages


_DELIBERATION_TABLE = Deliberation._meta.db_table
_EVENT_COLUMNS = ("deliberation", "seq", "type", "payload", "created_at")


def _insert_rows(cursor: Any, messages: list[EventMessage]) -> None:
    # One plain INSERT of every row (what bulk_create sends, without building a model
    # instance per event and compiling the query each time). The payload and the time go
    # through their fields' own database preparation, so they are stored exactly as the ORM
    # stores them, on SQLite and PostgreSQL alike.
    meta, ops = DeliberationEvent._meta, connection.ops
    payload, created = meta.get_field("payload"), meta.get_field("created_at")
    now = created.get_db_prep_save(timezone.now(), connection)
    params: list[Any] = []
    for m in messages:
        body = payload.get_db_prep_save(m["payload"], connection)
        params += [m["deliberation"], m["seq"], m["type"], body, now]
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(ops.quote_name(column[name]) for name in _EVENT_COLUMNS)
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(messages))
    cursor.execute(f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES {rows}", params)


def _not_yet_recorded(deliberation_id: int, events: Sequence[Event]) -> list[Event]:
    # A resumed run repeats the round bookkeeping of the run it took over; pages must see
    # "round 1 started" once.
    if not any(kind in _ONCE for kind, _ in events):
        return list(events)
    seen = {
        (kind, payload.get("round"))
        for kind, payload in DeliberationEvent.objects.filter(
            deliberation_id=deliberation_id, type__in=_ONCE
        ).values_list("type", "payload")
    }
    return [e for e in events if e[0] not in _ONCE or (e[0], e[1].get("round")) not in seen]


_send_paused_until = 0.0


def _by_group(messages: Sequence[EventMessage]) -> dict[str, list[EventMessage]]:
    groups: dict[str, list[EventMessage]] = {}
    for message in messages:
        groups.setdefault(group_name(message["deliberation"]), []).append(message)
    return groups


async def send(messages: Sequence[EventMessage]) -> None:
    """Send recorded messages to their deliberation's group, in order: the messages of one
    write go as one channel-layer message (``deliberation.events``), so a write of five
    members' text costs one group send, not five (each a few Redis round trips). Never
    raises: the rows are already stored, and a page that missed a message fills it from them
    (see consumers), so a channel layer that fails is logged and skipped for a few seconds."""
    global _send_paused_until
    layer = get_channel_layer()
    if layer is None or not messages or time.monotonic() < _send_paused_until:
        return
    try:
        async with asyncio.timeout(SEND_TIMEOUT_S):
            for group, events in _by_group(messages).items():
                await layer.group_send(group, {"type": "deliberation.events", "events": events})
    except Exception as exc:  # any layer failure; the rows stay the truth
        _send_paused_until = time.monotonic() + SEND_PAUSE_S
        log.warning(
            "channel layer send failed (%s: %s); pages will fill from the database",
            type(exc).__name__,
            exc,
        )


def broadcast(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` (its ``type`` names the consumers' handler) to ``group`` from sync
    code, for events that have no row. Never raises: a missing layer sends nothing, and a
    failed send is logged (the page shows the change on its next load). From a thread that
    works for a running event loop (``sync_to_async``: a run's writes), the send is handed
    to that loop and not waited for, so the write goes on (issue 14); elsewhere it is sent
    before this returns."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _served_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_send_soon, layer, group, message)
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.exception("could not send %s to %s", message.get("type"), group)


def _served_loop() -> asyncio.AbstractEventLoop | None:
    # The running event loop this thread does sync work for, as asgiref records it for
    # async_to_sync (None in plain sync code: a request thread, a command, a sync test).
    # A private attribute of asgiref's: pyproject.toml pins asgiref exactly for it.
    try:
        asyncio.get_running_loop()
        return None  # an async caller's own thread: nothing to hand over to
    except RuntimeError:
        pass
    local = SyncToAsync.threadlocal
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


_sending: set[asyncio.Task[None]] = set()  # strong references until each send is done


def _send_soon(layer: Any, group: str, message: dict[str, Any]) -> None:
    async def send_one() -> None:
        try:
            await layer.group_send(group, message)
        except Exception:
            log.exception("could not send %s to %s", message.get("type"), group)

    task = asyncio.get_running_loop().create_task(send_one())
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def apublish_many(deliberation_id: int, events: Sequence[Event]) -> list[EventMessage]:
    """Record several events in one write and send them. Returns the messages."""
    messages = await sync_to_async(record)(deliberation_id, events)
    await send(messages)
    return messages


# One overload per event type ties the type to its payload for mypy (see Event); the
# arguments are positional, as every caller passes them.
# fmt: off
@overload
async def apublish(d: int, t: Literal["deliberation.started"], p: DeliberationStarted, /) -> Message: ...  # noqa: E501
@overload
async def apublish(d: int, t: Literal["round.started"], p: RoundStarted, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["member.delta"], p: MemberDelta, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["member.repair"], p: MemberRepair, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["member.proposal"], p: MemberProposal, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["member.vote"], p: MemberVote, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["member.fault"], p: MemberFault, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["member.cancelled"], p: MemberCancelled, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["round.finished"], p: RoundFinished, /) -> Message: ...
@overload
async def apublish(d: int, t: Literal["deliberation.finished"], p: DeliberationFinished, /) -> Message: ...  # noqa: E501
@overload
async def apublish(d: int, t: Literal["deliberation.failed"], p: DeliberationFailed, /) -> Message: ...  # noqa: E501
# fmt: on
async def apublish(
    deliberation_id: int, event_type: EventType, payload: Payload, /
) -> EventMessage:
    """Record an event and send it to the deliberation's group. Returns the message."""
    (message,) = await apublish_many(deliberation_id, [_pair(event_type, payload)])
    return message


# fmt: off
@overload
def publish(d: int, t: Literal["deliberation.started"], p: DeliberationStarted, /) -> Message: ...  # noqa: E501
@overload
def publish(d: int, t: Literal["round.started"], p: RoundStarted, /) -> Message: ...
@overload
def publish(d: int, t: Literal["member.delta"], p: MemberDelta, /) -> Message: ...
@overload
def publish(d: int, t: Literal["member.repair"], p: MemberRepair, /) -> Message: ...
@overload
def publish(d: int, t: Literal["member.proposal"], p: MemberProposal, /) -> Message: ...
@overload
def publish(d: int, t: Literal["member.vote"], p: MemberVote, /) -> Message: ...
@overload
def publish(d: int, t: Literal["member.fault"], p: MemberFault, /) -> Message: ...
@overload
def publish(d: int, t: Literal["member.cancelled"], p: MemberCancelled, /) -> Message: ...
@overload
def publish(d: int, t: Literal["round.finished"], p: RoundFinished, /) -> Message: ...
@overload
def publish(d: int, t: Literal["deliberation.finished"], p: DeliberationFinished, /) -> Message: ...  # noqa: E501
@overload
def publish(d: int, t: Literal["deliberation.failed"], p: DeliberationFailed, /) -> Message: ...  # noqa: E501
# fmt: on
def publish(deliberation_id: int, event_type: EventType, payload: Payload, /) -> EventMessage:
    """Synchronous twin of :func:`apublish`; sends once the surrounding transaction commits."""
    messages = record(deliberation_id, [_pair(event_type, payload)])
    transaction.on_commit(lambda: async_to_sync(send)(messages))
    return messages[0]


def _pair(event_type: EventType, payload: Payload) -> Event:
    # Behind the overloads the type and its payload are known to match.
    return (event_type, payload)  # type: ignore[return-value]


def events_after(deliberation_id: int, seq: int) -> list[EventMessage]:
    """Every recorded event with a sequence number above ``seq``, in order."""
    rows = DeliberationEvent.objects.filter(deliberation_id=deliberation_id, seq__gt=seq)
    return [
        EventMessage(seq=row.seq, type=row.type, payload=row.payload, deliberation=deliberation_id)  # type: ignore[typeddict-item]
        for row in rows.order_by("seq")
    ]
