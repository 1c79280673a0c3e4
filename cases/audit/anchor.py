"""Signed checkpoints of the audit chain's head, appended outside the audit table.

Like Certificate Transparency's signed tree heads and CloudTrail's digest files: each line of
``AUDIT_CHECKPOINT_FILE`` is one JSON object ``{seq, head_hash, count, time, key_id, sig}``,
signed with HMAC-SHA256 under an audit key. The app only ever appends to the file (opened
``O_APPEND``, fsynced); ship it to write-once storage (``chattr +a``, a WORM bucket, a log
host) so that whoever can rewrite the database cannot rewrite the anchor too.

The chain's commits anchor their heads through :func:`schedule`: the checkpoint is signed at
once (its time is the commit's) and written by this process's anchor thread, which fsyncs
every checkpoint waiting at that moment in one write. The committing request does not wait
for the disk (an fsync took 1-10 ms, twice on a deliberation's critical path: issue 14). A
process killed in those milliseconds loses that checkpoint; the events stay verifiable and
the next checkpoint anchors them too, as one written after a kill between commit and hook
always did. :func:`read` (and so ``verify_audit``) first waits for this process's pending
checkpoints; :func:`flush` waits for them explicitly; they are flushed at exit.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)


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


def _signed(seq: int, head_hash: str, count: int | None) -> Checkpoint:
    key_id = str(settings.AUDIT_KEYS[0][0])
    count = seq if count is None else count
    time = timezone.now().isoformat()
    sig = _signature(key_id, seq, head_hash, count, time)
    assert sig is not None  # the current key is always known
    return Checkpoint(seq, head_hash, count, time, key_id, sig)


def _line(checkpoint: Checkpoint) -> bytes:
    return (json.dumps(asdict(checkpoint), sort_keys=True) + "\n").encode()


def _write(target: Path, lines: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One write of a few short lines: O_APPEND keeps concurrent writers' lines whole.
        os.write(fd, lines)
        os.fsync(fd)
    finally:
        os.close(fd)


def append(*, seq: int, head_hash: str, count: int | None = None) -> Checkpoint:
    """Sign and append one checkpoint now (fsynced when this returns). ``count`` defaults to
    ``seq``: sequence numbers are gap-free from 1, so the head's number is the number of
    events."""
    checkpoint = _signed(seq, head_hash, count)
    _write(path(), _line(checkpoint))
    return checkpoint


class _Writer:
    """The anchor thread: appends scheduled checkpoints, all those waiting in one write and
    one fsync, in the order they were scheduled. A failed write is logged (the next
    checkpoint anchors those events too) and never stops the thread."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.queue: list[tuple[Path, bytes]] = []
        self.writing = False
        self.thread: threading.Thread | None = None

    def submit(self, target: Path, line: bytes) -> None:
        with self.changed:
            self.queue.append((target, line))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="audit-anchor", daemon=True)
                self.thread.start()
            self.changed.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every checkpoint scheduled so far is written; False on timeout."""
        with self.changed:
            return self.changed.wait_for(lambda: not self.queue and not self.writing, timeout)

    def _run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: bool(self.queue))
                batch, self.queue, self.writing = self.queue, [], True
            try:
                by_file: dict[Path, list[bytes]] = {}
                for target, line in batch:
                    by_file.setdefault(target, []).append(line)
                for target, lines in by_file.items():
                    try:
                        _write(target, b"".join(lines))
                    except Exception:
                        log.exception("could not append %s audit checkpoint(s)", len(lines))
            finally:
                with self.changed:
                    self.writing = False
                    self.changed.notify_all()


_writer = _Writer()


def _reset_after_fork() -> None:
    # A forked child (a Celery worker process) has no anchor thread and must not inherit a
    # lock its parent held; whatever the parent had queued is the parent's to write.
    global _writer
    _writer = _Writer()


os.register_at_fork(after_in_child=_reset_after_fork)


def schedule(*, seq: int, head_hash: str) -> Checkpoint:
    """Sign a checkpoint of the committed head now and have the anchor thread append it
    (see the module's docstring); returns it."""
    checkpoint = _signed(seq, head_hash, None)
    _writer.submit(path(), _line(checkpoint))
    return checkpoint


def flush(timeout: float | None = None) -> bool:
    """Wait until this process's scheduled checkpoints are written; False on timeout."""
    return _writer.flush(timeout)


atexit.register(lambda: flush(timeout=10.0))


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
    """Every checkpoint of the file (in file order) and the lines that do not verify, once
    this process's scheduled checkpoints are written. A missing file reads as no
    checkpoints."""
    flush(timeout=10.0)  # a stuck disk must not hang verification for good
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
