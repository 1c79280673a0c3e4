"""Signed checkpoints of the audit chain's head, appended outside the audit table.

Like Certificate Transparency's signed tree heads and CloudTrail's digest files: each line of
``AUDIT_CHECKPOINT_FILE`` is one JSON object ``{seq, head_hash, count, time, key_id, sig}``,
signed with HMAC-SHA256 under an audit key. The app only ever appends to the file (opened
``O_APPEND``, fsynced); ship it to write-once storage (``chattr +a``, a WORM bucket, a log
host) so that whoever can rewrite the database cannot rewrite the anchor too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment: the last sequence number, its hash and the number of
    events up to it."""

    seq: int
    head_hash: str
    count: int
    time: str
    key_id: str
    sig: str


@dataclass(frozen=True)
class BadLine:
    """A line of the checkpoint file that is not a validly signed checkpoint."""

    line: int
    reason: str


def path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _signature(key_id: str, seq: int, head_hash: str, count: int, time: str) -> str | None:
    secret = dict(settings.AUDIT_KEYS).get(key_id)
    if secret is None:
        return None
    message = f"checkpoint|{key_id}|{seq}|{head_hash}|{count}|{time}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def append(*, seq: int, head_hash: str, count: int | None = None) -> Checkpoint:
    """Sign and append one checkpoint. ``count`` defaults to ``seq``: sequence numbers are
    gap-free from 1, so the head's number is the number of events."""
    key_id = str(settings.AUDIT_KEYS[0][0])
    count = seq if count is None else count
    time = timezone.now().isoformat()
    sig = _signature(key_id, seq, head_hash, count, time)
    assert sig is not None  # the current key is always known
    checkpoint = Checkpoint(seq, head_hash, count, time, key_id, sig)
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(checkpoint), sort_keys=True) + "\n").encode()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One write of one short line: O_APPEND keeps concurrent writers' lines whole.
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


def _parse(raw: str) -> Checkpoint | str:
    try:
        data: Any = json.loads(raw)
        checkpoint = Checkpoint(
            seq=int(data["seq"]),
            head_hash=str(data["head_hash"]),
            count=int(data["count"]),
            time=str(data["time"]),
            key_id=str(data["key_id"]),
            sig=str(data["sig"]),
        )
    except (ValueError, KeyError, TypeError):
        return "not a checkpoint"
    expected = _signature(
        checkpoint.key_id, checkpoint.seq, checkpoint.head_hash, checkpoint.count, checkpoint.time
    )
    if expected is None:
        return f"signed with unknown key {checkpoint.key_id!r}"
    if not hmac.compare_digest(expected, checkpoint.sig):
        return "signature does not match"
    return checkpoint


def read() -> tuple[list[Checkpoint], list[BadLine]]:
    """Every checkpoint of the file (in file order) and the lines that do not verify. A
    missing file reads as no checkpoints."""
    try:
        lines = path().read_text().splitlines()
    except FileNotFoundError:
        return [], []
    good: list[Checkpoint] = []
    bad: list[BadLine] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = _parse(raw)
        if isinstance(parsed, str):
            bad.append(BadLine(number, parsed))
        else:
            good.append(parsed)
    return good, bad
