"""The tamper-evident audit trail: a keyed hash chain, anchored by signed checkpoints.

Each ``AuditEvent`` carries a gap-free sequence number, the hash of the event before it and
its own hash: an HMAC-SHA256 over its key id, sequence number, previous hash and fields,
keyed with a secret from the environment (``AUDIT_KEYS``, never stored in the database). A
row written by someone without the key does not verify. After an event commits, a signed
checkpoint of the chain's head (sequence, head hash, row count, time) is signed and appended
to a file outside the database by the anchor's thread (``cases.audit.anchor``: the committing
request does not wait for its fsync), so a cut or re-chained tail is caught too.
Verification lives in ``cases.audit.verify``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from cases import rows
from cases.audit import anchor as audit_anchor
from cases.models import AuditEvent

GENESIS = "0" * 64
# Events written before the chain was keyed (migration 0002): plain SHA-256, accepted only
# as the chain's prefix, before the first keyed event.
LEGACY_KEY_ID = ""


class AuditKeyError(Exception):
    """An event names a key id that is not in ``AUDIT_KEYS``."""


def keys() -> dict[str, bytes]:
    """Key id -> secret, from ``settings.AUDIT_KEYS``."""
    return {key_id: secret.encode() for key_id, secret in settings.AUDIT_KEYS}


def current_key_id() -> str:
    """The id of the key new events are written with (the first of ``AUDIT_KEYS``)."""
    return str(settings.AUDIT_KEYS[0][0])


def fields(event: AuditEvent) -> dict[str, Any]:
    """The event's content as it is hashed."""
    return {
        "actor": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }


def _body(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def legacy_digest(prev_hash: str, content: dict[str, Any]) -> str:
    """The unkeyed hash of events written before the chain was keyed."""
    return hashlib.sha256(f"{prev_hash}|{_body(content)}".encode()).hexdigest()


def mac(*, key_id: str, seq: int, prev_hash: str, content: dict[str, Any]) -> str:
    """The HMAC-SHA256 of one event. Raises ``AuditKeyError`` for an unknown key id."""
    secret = keys().get(key_id)
    if secret is None:
        raise AuditKeyError(key_id)
    message = f"{key_id}|{seq}|{prev_hash}|{_body(content)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def expected_hash(event: AuditEvent) -> str:
    """What ``event.hash`` must be, given its stored fields. Raises ``AuditKeyError``."""
    if event.key_id == LEGACY_KEY_ID:
        return legacy_digest(event.prev_hash, fields(event))
    return mac(key_id=event.key_id, seq=event.seq, prev_hash=event.prev_hash, content=fields(event))


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. ``obj`` names the object, or pass type and id.

    Runs in a transaction (joining the caller's, with no savepoint of its own: an error here
    ends the caller's transaction, and no caller carries on after one); once the outermost
    transaction commits, a checkpoint of the new head is signed and handed to the anchor's
    thread, which appends it (every
    ``AUDIT_CHECKPOINT_EVERY`` events): one per committed transaction, however many events
    it holds."""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # Serialise appends so two writers never chain onto the same previous event.
            # (SQLite's IMMEDIATE transactions already serialise writers.)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7301)")
        last = _head()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event = AuditEvent(
            seq=seq,
            key_id=current_key_id(),
            actor_id=actor_id,
            action=action[:50],
            object_type=object_type[:50],
            object_id=object_id[:50],
            payload=json.loads(json.dumps(payload or {}, default=str)),
            created_at=timezone.now(),
            prev_hash=prev,
        )
        event.hash = expected_hash(event)
        rows.insert(event)  # plain SQL: a run's start and end each write one (issue 14)
        if seq % max(1, settings.AUDIT_CHECKPOINT_EVERY) == 0:
            _batch().schedule(seq, event.hash)
    return event


def _head() -> tuple[int, str] | None:
    # The chain's last (seq, hash), in plain SQL: every audited write (a deliberation's start
    # and end among them, issue 14) reads it, and the ORM spends more building this read
    # than the database spends answering it.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('seq')}, {quote('hash')} FROM {quote(AuditEvent._meta.db_table)}"
            f" ORDER BY {quote('seq')} DESC LIMIT 1"
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row is not None else None


class _Checkpoints:
    """The checkpoints due when one transaction commits: the first of its on-commit hooks
    anchors the committed head, which covers every event the transaction wrote (each chains
    onto the one before), so one fsync serves them all. Each event still registers its own
    hook, so an event whose savepoint rolled back (its hook discarded) never stops the
    others' checkpoint."""

    def __init__(self) -> None:
        self.done = False
        self.heads: list[tuple[int, str]] = []

    def schedule(self, seq: int, head_hash: str) -> None:
        head = (seq, head_hash)
        self.heads.append(head)
        transaction.on_commit(lambda: self.anchor(head))

    def anchor(self, head: tuple[int, str]) -> None:
        if self.done:
            return
        self.done = True
        # This hook ran, so its event committed. Events scheduled after it may have been
        # rolled back: then the head is read after the commit, when it is committed (a later
        # writer's head, if one has committed since, anchors ours as well).
        if head != self.heads[-1]:
            read = _head()
            head = read if read is not None else head
        audit_anchor.schedule(seq=head[0], head_hash=head[1])


def _batch() -> _Checkpoints:
    # One batch per transaction of this connection (connections are per thread): reused
    # until one of its hooks has run. A batch whose transaction rolled back never ran, and
    # serves the next transaction.
    current: _Checkpoints | None = getattr(connection, "_audit_checkpoints", None)
    if current is None or current.done:
        current = _Checkpoints()
        connection._audit_checkpoints = current  # type: ignore[attr-defined]
    return current
