"""The tamper-evident audit trail: each AuditEvent stores the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from cases.models import AuditEvent

GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "actor": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. ``obj`` names the object, or pass type and id."""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise appends so two writers never chain onto the same previous hash.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7301)")
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload=json.loads(json.dumps(payload or {}, default=str)),
            created_at=timezone.now(),
            prev_hash=last or GENESIS,
        )
        event.hash = _digest(event.prev_hash, _fields(event))
        event.save()
    return event


def first_broken_link() -> AuditEvent | None:
    """The first event whose stored hashes do not match the chain, or None when intact."""
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.prev_hash != prev or event.hash != _digest(prev, _fields(event)):
            return event
        prev = event.hash
    return None
