"""A round's closing write made while the next round's calls are in flight (issue 14): the
last Round 1 turns' rows and the events between the rounds are not written on the critical
path. Their text is taken from the batch first, so that the next round's text, written after
it, follows ``round.started``; and Round 2 hands no vote over before that write is done (a
vote's row refers to a proposal's)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from cases import leases, streaming
from cases.deliberation import persistence
from cases.deliberation.coalescer import DeltaBatch, HeldText

log = logging.getLogger(__name__)


@dataclass
class LaterWrite[R]:
    """A round's closing write prepared by :func:`persist_after`, made by :meth:`run` (once,
    while the next round's calls are in flight); :meth:`abandon` gives its text back to the
    batch when it will not run."""

    deliberation_id: int
    turns: persistence.Turns[R]
    closing: persistence.Closing[R]
    held: HeldText

    async def run(self) -> list[R]:
        """Write and send, retrying a failed write (the rows, their events and the held text
        in one transaction each time) a few times; raises the last error, or at once the
        :class:`~cases.leases.LeaseLost` of a run that may no longer write."""
        written = False
        try:
            for attempt in range(streaming.FLUSH_ATTEMPTS):
                try:
                    rows = await persistence.write_and_send(
                        self.deliberation_id, self.turns, self.closing, self.held.events
                    )
                except leases.LeaseLost:
                    raise  # no blip: this run may not write again
                except Exception as exc:
                    if attempt == streaming.FLUSH_ATTEMPTS - 1:
                        raise
                    log.warning(
                        "writing the turns of deliberation %s failed (%s); retrying",
                        self.deliberation_id,
                        exc,
                    )
                    await asyncio.sleep(min(0.1 * 2**attempt, 2.0))
                    continue
                written = True
                return rows
            raise AssertionError("unreachable")  # the loop returns or raises
        finally:
            self.held.release(written=written)

    def abandon(self) -> None:
        self.held.release(written=False)


async def persist_after[R](
    deliberation_id: int,
    turns: persistence.Turns[R],
    *,
    text: DeltaBatch,
    closing: persistence.Closing[R],
) -> LaterWrite[R]:
    """As :func:`persist`, for a round's last turns when another round follows: the pending
    text is taken now (text written from now on comes after it: the next round's after its
    ``round.started``), and the write is made by the returned :class:`LaterWrite`, once the
    next round's calls are out (issue 14: no write between the rounds on the critical path).
    ``closing`` must not write: the rows it gets are not all written before it returns."""
    return LaterWrite(deliberation_id, turns, closing, await text.hold())
