"""The streaming policy of one member's turn: its text deltas, coalesced into the
deliberation's shared write (:class:`DeltaCoalescer`). Nothing else lives here."""

from __future__ import annotations

from cases import streaming


class DeltaCoalescer:
    """One member's text deltas in one round, published through the deliberation's shared
    :class:`streaming.DeltaBatch`: the first delta of a burst goes out at once, later ones at
    most once per window, and every member's pending text shares one write. Text whose write
    fails is kept and retried, so every delta is published once and in order."""

    def __init__(self, deliberation_id: int, member_index: int, round_no: int) -> None:
        self.deliberation_id = deliberation_id
        self.member_index = member_index
        self.round_no = round_no
        self.batch = streaming.DeltaBatch.of(deliberation_id)

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
