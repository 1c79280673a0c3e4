"""The one publisher of live deliberation events: a numbered DeliberationEvent row first,
then a message to the deliberation's channel group. Pages replay rows they missed."""

from __future__ import annotations

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


def _record(deliberation_id: int, event_type: EventType, payload: dict[str, Any]) -> EventMessage:
    with transaction.atomic(), connection.cursor() as cursor:
        # The counter lives on the deliberation row, so numbers are gap-free and ordered
        # even when several processes write (the update takes the row lock). RETURNING
        # (SQLite 3.35+, PostgreSQL) reads the new number in the same statement.
        table = Deliberation._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",
            [deliberation_id],
        )
        row = cursor.fetchone()
        if row is None:
            raise Deliberation.DoesNotExist(f"Deliberation {deliberation_id} does not exist.")
        seq = int(row[0])
        DeliberationEvent.objects.create(
            deliberation_id=deliberation_id, seq=seq, type=event_type, payload=payload
        )
    return EventMessage(seq=seq, type=event_type, payload=payload, deliberation=deliberation_id)


async def _send(message: EventMessage) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(
        group_name(message["deliberation"]), {"type": "deliberation.event", "event": message}
    )


async def apublish(
    deliberation_id: int, event_type: EventType, payload: dict[str, Any]
) -> EventMessage:
    """Record an event and send it to the deliberation's group. Returns the message."""
    message = await sync_to_async(_record)(deliberation_id, event_type, payload)
    await _send(message)
    return message


def publish(deliberation_id: int, event_type: EventType, payload: dict[str, Any]) -> EventMessage:
    """Synchronous twin of :func:`apublish`; sends once the surrounding transaction commits."""
    message = _record(deliberation_id, event_type, payload)
    transaction.on_commit(lambda: async_to_sync(_send)(message))
    return message


def events_after(deliberation_id: int, seq: int) -> list[EventMessage]:
    """Every recorded event with a sequence number above ``seq``, in order."""
    rows = DeliberationEvent.objects.filter(deliberation_id=deliberation_id, seq__gt=seq)
    return [
        EventMessage(seq=row.seq, type=row.type, payload=row.payload, deliberation=deliberation_id)  # type: ignore[typeddict-item]
        for row in rows.order_by("seq")
    ]
