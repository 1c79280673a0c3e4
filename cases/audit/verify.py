"""Verify the audit chain: every event's keyed hash and link, sequence gaps, and the chain's
head against the last signed checkpoint (a missing tail, a re-chained tail, rows missing
before the checkpoint)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Literal

from cases.audit import anchor as audit_anchor
from cases.audit import chain as audit
from cases.models import AuditEvent

Kind = Literal[
    "forged",
    "unknown_key",
    "broken_link",
    "gap",
    "legacy_after_keyed",
    "missing_tail",
    "rechained",
    "checkpoint_gap",
    "bad_checkpoint",
    "no_checkpoint",
]

MAX_FINDINGS = 50

FORGED = "event {seq}: its hash does not match its content under key {key_id!r} (forged or edited)"
UNKNOWN_KEY = "event {seq}: written with key {key_id!r}, which is not in AUDIT_KEYS"
BROKEN_LINK = "event {seq}: does not link to the event before it (an event was removed or edited)"
GAP = "events {first}-{last} are missing (sequence numbers jump from {before} to {seq})"
LEGACY_AFTER_KEYED = "event {seq}: unkeyed, but written after keyed events (forged)"
MISSING_TAIL = (
    "the chain ends at event {head}, but the checkpoint of {time} anchors event {seq}: "
    "events {first}-{seq} were deleted"
)
RECHAINED = (
    "event {seq} does not have the hash the checkpoint of {time} signed: "
    "the chain was rewritten (re-chained) at or before it"
)
CHECKPOINT_GAP = (
    "the checkpoint of {time} counts {count} events up to {seq}, the table holds {found}"
)
BAD_CHECKPOINT = "checkpoint file line {line}: {reason}"
NO_CHECKPOINT = (
    "the chain holds {rows} events but no signed checkpoint anchors its head "
    "(the checkpoint file {path} is missing or empty; `manage.py verify_audit --checkpoint` "
    "writes one after a clean check)"
)


@dataclass(frozen=True)
class Finding:
    """One problem, with the sequence number it concerns (None: the chain as a whole)."""

    kind: Kind
    seq: int | None
    message: str


@dataclass
class Report:
    """The outcome of one verification."""

    rows: int = 0
    head_seq: int = 0
    head_hash: str = audit.GENESIS
    checkpoint: audit_anchor.Checkpoint | None = None
    unanchored: int = 0
    findings: list[Finding] = field(default_factory=list)
    more_findings: int = 0

    @property
    def intact(self) -> bool:
        return not self.findings

    def add(self, kind: Kind, seq: int | None, message: str) -> None:
        if len(self.findings) >= MAX_FINDINGS:
            self.more_findings += 1
        else:
            self.findings.append(Finding(kind, seq, message))


def _check_event(report: Report, event: AuditEvent, *, prev_hash: str, keyed_seen: bool) -> None:
    if event.seq != report.head_seq + 1:
        report.add(
            "gap",
            event.seq,
            GAP.format(
                first=report.head_seq + 1,
                last=event.seq - 1,
                before=report.head_seq,
                seq=event.seq,
            ),
        )
    elif event.prev_hash != prev_hash:
        report.add("broken_link", event.seq, BROKEN_LINK.format(seq=event.seq))
    if event.key_id == audit.LEGACY_KEY_ID and keyed_seen:
        report.add("legacy_after_keyed", event.seq, LEGACY_AFTER_KEYED.format(seq=event.seq))
        return
    try:
        expected = audit.expected_hash(event)
    except audit.AuditKeyError:
        report.add("unknown_key", event.seq, UNKNOWN_KEY.format(seq=event.seq, key_id=event.key_id))
        return
    if not hmac.compare_digest(expected, event.hash):
        report.add("forged", event.seq, FORGED.format(seq=event.seq, key_id=event.key_id))


def _walk(report: Report) -> dict[int, str]:
    """Check every event in sequence order; return the hashes at checkpointed positions."""
    checkpoints, bad = audit_anchor.read()
    for line in bad:
        report.add(
            "bad_checkpoint", None, BAD_CHECKPOINT.format(line=line.line, reason=line.reason)
        )
    if checkpoints:
        report.checkpoint = max(checkpoints, key=lambda c: c.seq)
    wanted = {report.checkpoint.seq} if report.checkpoint else set()
    seen: dict[int, str] = {}
    keyed_seen = False
    rows = AuditEvent.objects.order_by("seq").only(
        "seq", "key_id", "actor_id", "action", "object_type", "object_id", "payload",
        "created_at", "prev_hash", "hash",
    )  # fmt: skip
    for event in rows.iterator(chunk_size=2000):
        _check_event(report, event, prev_hash=report.head_hash, keyed_seen=keyed_seen)
        keyed_seen = keyed_seen or event.key_id != audit.LEGACY_KEY_ID
        if event.seq in wanted:
            seen[event.seq] = event.hash
        report.rows += 1
        report.head_seq, report.head_hash = event.seq, event.hash
    return seen


def _check_anchor(report: Report, seen: dict[int, str]) -> None:
    checkpoint = report.checkpoint
    if checkpoint is None:
        if report.rows:
            report.add(
                "no_checkpoint",
                None,
                NO_CHECKPOINT.format(rows=report.rows, path=audit_anchor.path()),
            )
        return
    report.unanchored = max(0, report.head_seq - checkpoint.seq)
    if checkpoint.seq > report.head_seq:
        report.add(
            "missing_tail",
            checkpoint.seq,
            MISSING_TAIL.format(
                head=report.head_seq,
                time=checkpoint.time,
                seq=checkpoint.seq,
                first=report.head_seq + 1,
            ),
        )
        return
    found = seen.get(checkpoint.seq)
    if found is None or not hmac.compare_digest(found, checkpoint.head_hash):
        report.add(
            "rechained", checkpoint.seq, RECHAINED.format(seq=checkpoint.seq, time=checkpoint.time)
        )
    counted = AuditEvent.objects.filter(seq__lte=checkpoint.seq).count()
    if counted != checkpoint.count:
        report.add(
            "checkpoint_gap",
            checkpoint.seq,
            CHECKPOINT_GAP.format(
                time=checkpoint.time, count=checkpoint.count, seq=checkpoint.seq, found=counted
            ),
        )


def verify() -> Report:
    """Walk the whole chain and compare its head with the last signed checkpoint."""
    report = Report()
    seen = _walk(report)
    _check_anchor(report, seen)
    return report
