"""The one publisher of live deliberation events: a numbered DeliberationEvent row first,
then a message to the deliberation's channel group. Pages replay rows they missed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction

from cases.models import Deliberation, DeliberationEvent

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


class EventMessage(TypedDict):
    """What a page receives: the row's sequence number, its type and its payload."""

    seq: int
    type: EventType
    payload: dict[str, Any]
    deliberation: NotRequired[int]


def group_name(deliberation_id: int) -> str:
    return f"deliberation.{deliberation_id}"


def record(
    deliberation_id: int, events: Sequence[tuple[EventType, dict[str, Any]]]
) -> list[EventMessage]:
    """Write ``events`` as DeliberationEvent rows with consecutive sequence numbers, in one
    transaction (joining the caller's, if any). Returns the messages to :func:`send` once
    that transaction has committed. Raises Deliberation.DoesNotExist for an unknown id."""
    table = Deliberation._meta.db_table
    messages = []
    with transaction.atomic(), connection.cursor() as cursor:
        # The counter lives on the deliberation row, so numbers are gap-free and ordered
        # even when several processes write (the update takes the row lock). RETURNING
        # (SQLite 3.35+, PostgreSQL) reads the new number in the same statement.
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + %s WHERE id = %s RETURNING last_seq",
            [len(events), deliberation_id],
        )
        row = cursor.fetchone()
        if row is None:
            raise Deliberation.DoesNotExist(f"Deliberation {deliberation_id} does not exist.")
        first = int(row[0]) - len(events) + 1
        rows = [
            DeliberationEvent(deliberation_id=deliberation_id, seq=seq, type=kind, payload=body)
            for seq, (kind, body) in enumerate(events, start=first)
        ]
        DeliberationEvent.objects.bulk_create(rows)
        messages = [
            EventMessage(seq=r.seq, type=r.type, payload=r.payload, deliberation=deliberation_id)  # type: ignore[typeddict-item]
            for r in rows
        ]
    return messages


async def send(messages: Sequence[EventMessage]) -> None:
    """Send recorded messages to their deliberation's group, in order."""
    layer = get_channel_layer()
    if layer is None:
        return
    for message in messages:
        await layer.group_send(
            group_name(message["deliberation"]), {"type": "deliberation.event", "event": message}
        )


async def apublish_many(
    deliberation_id: int, events: Sequence[tuple[EventType, dict[str, Any]]]
) -> list[EventMessage]:
    """Record several events in one write and send them. Returns the messages."""
    messages = await sync_to_async(record)(deliberation_id, events)
    await send(messages)
    return messages


async def apublish(
    deliberation_id: int, event_type: EventType, payload: dict[str, Any]
) -> EventMessage:
    """Record an event and send it to the deliberation's group. Returns the message."""
    (message,) = await apublish_many(deliberation_id, [(event_type, payload)])
    return message


def publish(deliberation_id: int, event_type: EventType, payload: dict[str, Any]) -> EventMessage:
    """Synchronous twin of :func:`apublish`; sends once the surrounding transaction commits."""
    messages = record(deliberation_id, [(event_type, payload)])
    transaction.on_commit(lambda: async_to_sync(send)(messages))
    return messages[0]


def events_after(deliberation_id: int, seq: int) -> list[EventMessage]:
    """Every recorded event with a sequence number above ``seq``, in order."""
    rows = DeliberationEvent.objects.filter(deliberation_id=deliberation_id, seq__gt=seq)
    return [
        EventMessage(seq=row.seq, type=row.type, payload=row.payload, deliberation=deliberation_id)  # type: ignore[typeddict-item]
        for row in rows.order_by("seq")
    ]
