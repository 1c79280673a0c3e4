"""The streaming policy of members' text deltas: each member's turn
(:class:`DeltaCoalescer`) feeds its deliberation's shared write (:class:`DeltaBatch`),
recorded and sent through the one publisher, ``cases.streaming``. Nothing else lives here."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import ClassVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from cases import leases, streaming

log = logging.getLogger(__name__)


class DeltaCoalescer:
    """One member's text deltas in one round, published through the deliberation's shared
    :class:`DeltaBatch`: the first delta of a burst goes out at once, later ones at
    most once per window, and every member's pending text shares one write. Text whose write
    fails is kept and retried, so every delta is published once and in order."""

    def __init__(self, deliberation_id: int, member_index: int, round_no: int) -> None:
        self.deliberation_id = deliberation_id
        self.member_index = member_index
        self.round_no = round_no
        self.batch = DeltaBatch.of(deliberation_id)

    async def add(self, delta: str) -> None:
        self.batch.add(self.member_index, self.round_no, delta)

    async def flush(self) -> None:
        """Publish what is buffered now (retrying a failed write a few times; raises the last
        error, with the text still buffered, when the database stays unreachable)."""
        await self.batch.flush(attempts=streaming.FLUSH_ATTEMPTS)

    async def repair(self, error: str) -> None:
        """Publish what is buffered, then that the member was asked to correct its answer."""
        await self.close()
        await streaming.apublish(
            self.deliberation_id,
            "member.repair",
            streaming.MemberRepair(member=self.member_index, round=self.round_no, error=error),
        )

    async def close(self) -> None:
        """Publish what is buffered; call once the member's turn has ended."""
        await self.flush()


class DeltaBatch:
    """Every member's pending text deltas of one deliberation, written together.

    Leading edge: a delta arriving after a quiet window is written at once; deltas arriving
    within ``STREAM_COALESCE_MS`` of the last write wait for the window's end, so a busy
    deliberation costs at most one write (one transaction, one row per member with text) per
    window, however many members stream. A write that fails puts its text back in front of
    newer text and is tried again; errors of background writes are logged, never lost.
    """

    _batches: ClassVar[weakref.WeakValueDictionary[tuple[int, int], DeltaBatch]] = (
        weakref.WeakValueDictionary()
    )

    def __init__(self, deliberation_id: int) -> None:
        self.deliberation_id = deliberation_id
        self.interval = settings.STREAM_COALESCE_MS / 1000
        self.pending: dict[tuple[int, int], list[str]] = {}
        self.timer: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()
        self.last_write = -math.inf
        self.failures = 0
        # The run found no longer leased (its lease taken over, or the deliberation ended
        # elsewhere), and what said so: its text is dropped from then on.
        self.lost: tuple[str | None, leases.LeaseLost] | None = None

    @classmethod
    def of(cls, deliberation_id: int) -> DeltaBatch:
        """The batch shared by the members of ``deliberation_id`` on the running loop."""
        key = (id(asyncio.get_running_loop()), deliberation_id)
        batch = cls._batches.get(key)
        if batch is None:
            batch = cls._batches[key] = cls(deliberation_id)
        return batch

    def add(self, member: int, round_no: int, delta: str) -> None:
        if self._lost() is not None:
            return  # the run that took over streams this turn again, from its start
        self.pending.setdefault((member, round_no), []).append(delta)
        self._arm()

    def _lost(self) -> leases.LeaseLost | None:
        if self.lost is None or self.lost[0] != leases.current_owner():
            return None
        return self.lost[1]

    def _arm(self) -> None:
        if self.timer is not None or not self.pending:
            return
        delay = max(0.0, self.last_write + self.interval - time.monotonic())
        self.timer = asyncio.get_running_loop().create_task(self._flush_later(delay))
        self.timer.add_done_callback(_observe)

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.timer = None
        try:
            # Shielded: a cancelled timer must not interrupt a write half-way.
            await asyncio.shield(self.flush())
            self.failures = 0
        except leases.LeaseLost as exc:  # the member's closing flush stops the run
            log.info("live text of deliberation %s not written: %s", self.deliberation_id, exc)
        except Exception as exc:
            self.failures += 1
            log.warning(
                "writing live text of deliberation %s failed (%s: %s); kept for a retry",
                self.deliberation_id,
                type(exc).__name__,
                exc,
            )
            if self.failures < streaming.FLUSH_ATTEMPTS:
                self._arm()  # the members' closing flushes retry beyond that

    async def flush(self, *, attempts: int = 1) -> None:
        """Write and send everything pending, trying the write up to ``attempts`` times; the
        last error is raised with the text still pending."""
        async with self.lock:
            for attempt in range(attempts):
                lost = self._lost()
                if lost is not None:
                    raise lost
                if not self.pending:
                    return
                taken = self._take()
                try:
                    messages = await sync_to_async(_record_while_leased)(
                        self.deliberation_id, _deltas(taken)
                    )
                except leases.LeaseLost as exc:
                    self.lost = (leases.current_owner(), exc)  # dropped, not retried
                    raise
                except Exception:
                    self._put_back(taken)
                    if attempt == attempts - 1:
                        raise
                    await asyncio.sleep(min(0.1 * 2**attempt, 2.0))
                    continue
                await streaming.send(messages)
                return

    async def flush_with[R](self, write: Callable[[list[streaming.Event]], Awaitable[R]]) -> R:
        """Hand everything pending, as events, to ``write``, which records them together with
        its own rows in one transaction (one write where a flush and a row would be two), and
        sends them. When ``write`` raises, the text is pending again and the error raised."""
        async with self.lock:
            taken = self._take()
            try:
                return await write(_deltas(taken))
            except Exception:
                self._put_back(taken)
                raise

    async def hold(self) -> HeldText:
        """Take everything pending, as events, for a write the caller makes later (in a task
        of its own, see :class:`HeldText`); until it is released, this batch writes nothing,
        so text added meanwhile is written after it, in order."""
        await self.lock.acquire()
        return HeldText(self, self._take())

    def _take(self) -> dict[tuple[int, int], list[str]]:
        taken, self.pending = self.pending, {}
        if taken:
            self.last_write = time.monotonic()
        return taken

    def _put_back(self, taken: dict[tuple[int, int], list[str]]) -> None:
        # In front of whatever arrived meanwhile, so the text stays in order.
        for key, parts in self.pending.items():
            taken.setdefault(key, []).extend(parts)
        self.pending = taken


class HeldText:
    """Text taken from a :class:`DeltaBatch` by :meth:`DeltaBatch.hold`: ``events`` to
    write; :meth:`release` once written (or, when the write failed, with the text pending
    again in front of newer text). The batch writes nothing until then."""

    def __init__(self, batch: DeltaBatch, taken: dict[tuple[int, int], list[str]]) -> None:
        self.batch = batch
        self.taken = taken
        self.events = _deltas(taken)
        self.released = False

    def release(self, *, written: bool) -> None:
        if self.released:
            return
        self.released = True
        if not written:
            self.batch._put_back(self.taken)
        self.batch.lock.release()


def _record_while_leased(
    deliberation_id: int, events: list[streaming.Event]
) -> list[streaming.EventMessage]:
    """Record live text in a run only while its lease is still its own (``leases.fence``,
    raising LeaseLost): a runner thought dead that streams on after another took the
    deliberation over would otherwise interleave its text with the new runner's on the page."""
    with transaction.atomic(savepoint=False):
        if leases.current_owner() is not None:
            leases.fence(deliberation_id)
        return streaming.record(deliberation_id, events)


def _deltas(taken: dict[tuple[int, int], list[str]]) -> list[streaming.Event]:
    return [
        ("member.delta", streaming.MemberDelta(member=m, round=r, text="".join(parts)))
        for (m, r), parts in taken.items()
    ]


def _observe(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("live text writer stopped", exc_info=task.exception())
