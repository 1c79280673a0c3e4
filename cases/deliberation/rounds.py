"""Round mechanics, with no database: one member's turn (timeout, one repair attempt,
every failure a fault status) and one round of concurrent turns (the grace period once
``n - f`` valid answers are in, and cancellation once the outcome is settled)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cases import prompts, protocol
from cases.models import TurnStatus
from panels.providers import base
from panels.providers.base import CallRequest, MemberSpec, Usage

log = logging.getLogger(__name__)


@dataclass
class TurnResult:
    """What a member produced in one round, before it is persisted."""

    status: TurnStatus
    raw_text: str = ""
    error: str = ""
    repaired: bool = False
    usage: Usage = field(default_factory=Usage)
    latency_ms: int = 0
    proposal: protocol.ProposalData | None = None
    vote: protocol.VoteData | None = None


class Sink(Protocol):
    """Where a turn streams its text: each delta, and that a repair was asked for."""

    async def add(self, delta: str) -> None: ...

    async def repair(self, error: str) -> None: ...


Parser = Callable[[str, bool], protocol.ProposalData | protocol.VoteData]


async def turn(
    provider: base.Provider,
    spec: MemberSpec,
    request: CallRequest,
    parse: Parser,
    sink: Sink,
) -> TurnResult:
    """One member's answer with one repair attempt; every failure becomes a fault status
    (timeout, error, invalid), never an exception."""
    started = time.monotonic()
    usage = Usage()
    text = ""
    repaired = False
    try:
        for attempt in (1, 2):
            async with asyncio.timeout(spec.timeout_s):
                completion = await provider.complete(request, on_delta=sink.add)
            usage += completion.usage
            text = completion.text
            try:
                # The repair answer is accepted without a valid code (name fallback).
                parsed = parse(text, attempt == 1)
                break
            except protocol.ProtocolError as exc:
                if attempt == 2:
                    return TurnResult(
                        TurnStatus.INVALID, text, str(exc), repaired, usage, _ms(started)
                    )
                repaired = True
                await sink.repair(str(exc))
                request = prompts.repair_request(request, answer=text, error=str(exc))
    except TimeoutError:
        return TurnResult(
            TurnStatus.TIMEOUT,
            text,
            f"no answer within {spec.timeout_s:g} s",
            repaired,
            usage,
            _ms(started),
        )
    except base.ProviderError as exc:
        return TurnResult(TurnStatus.ERROR, text, str(exc), repaired, usage, _ms(started))
    except Exception as exc:  # a provider bug must fault one member, not the deliberation
        log.exception("provider %s raised unexpectedly", spec.label)
        return TurnResult(
            TurnStatus.ERROR, text, f"{type(exc).__name__}: {exc}", repaired, usage, _ms(started)
        )
    result = TurnResult(TurnStatus.OK, text, "", repaired, usage, _ms(started))
    if isinstance(parsed, protocol.ProposalData):
        result.proposal = parsed
    else:
        result.vote = parsed
    return result


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def run_round(
    calls: Mapping[int, Awaitable[TurnResult]],
    *,
    tolerance: int,
    grace_s: float,
    on_results: Callable[[list[tuple[int, TurnResult]]], Awaitable[None]],
    settled: Callable[[int], bool] | None = None,
    alongside: Callable[[], Awaitable[object]] | None = None,
) -> dict[int, TurnResult]:
    """Run ``calls`` (member index -> turn) concurrently, handing the results to
    ``on_results`` as they arrive: those that end together (answers that came in at once, the
    turns timed out or cancelled at the end) in one call, by member index, so that they can be
    written together. Every turn's result is handed over exactly once. Once all but
    ``tolerance`` members answered validly, the rest get ``grace_s`` and then time out.
    ``settled(outstanding)`` true cancels the rest. ``alongside()`` (the previous round's
    closing write) is started once the calls are out and runs while they are in flight; no
    result is handed over before it is done, and its error ends the round."""
    tasks: dict[asyncio.Future[TurnResult], int] = {
        asyncio.ensure_future(call): index for index, call in calls.items()
    }
    # Started after the calls: their first steps (each call going out) run before it.
    side = asyncio.ensure_future(alongside()) if alongside is not None else None
    results: dict[int, TurnResult] = {}
    pending = set(tasks)
    cancel_status: TurnStatus | None = None
    try:
        pending, cancel_status = await _collect(
            tasks, results, len(calls) - tolerance, grace_s, on_results, settled, side
        )
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        if side is not None:
            if not side.done():  # a round that ended in an error: the write still ends
                await asyncio.wait([side])
            if not side.cancelled():
                side.exception()  # observed: the round's own error is the one raised
    ended: list[tuple[int, TurnResult]] = []
    for task in sorted(pending, key=lambda t: tasks[t]):
        index = tasks[task]
        if not task.cancelled() and task.exception() is None:
            results[index] = task.result()  # finished while being cancelled: keep it
        elif cancel_status == TurnStatus.CANCELLED:
            results[index] = TurnResult(TurnStatus.CANCELLED, error="outcome already decided")
        else:
            results[index] = TurnResult(
                TurnStatus.TIMEOUT, error=f"still running {grace_s:g} s after the quorum answered"
            )
        ended.append((index, results[index]))
    await _done(side)  # its error is the round's, even with no turn left to hand over
    if ended:
        await on_results(ended)
    return results


async def _done(side: asyncio.Future[object] | None) -> None:
    # The work alongside the round, finished (its error raised) before results go on.
    if side is not None:
        await side


async def _collect(
    tasks: dict[asyncio.Future[TurnResult], int],
    results: dict[int, TurnResult],
    need: int,
    grace_s: float,
    on_results: Callable[[list[tuple[int, TurnResult]]], Awaitable[None]],
    settled: Callable[[int], bool] | None,
    side: asyncio.Future[object] | None,
) -> tuple[set[asyncio.Future[TurnResult]], TurnStatus | None]:
    # Hands results over as they arrive; returns the turns still running and why they stop
    # (None when all answered). A failed ``side`` raises at once, however long turns take.
    need = max(0, need)
    deadline: float | None = None
    pending = set(tasks)
    while pending:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        watched: set[asyncio.Future[Any]] = set(pending)
        if side is not None and not side.done():
            watched.add(side)
        done, _ = await asyncio.wait(watched, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if side is not None and side.done():
            side.result()  # its error ends the round (the caller cancels the turns)
        pending -= done
        finished = sorted((task for task in done if task in tasks), key=lambda t: tasks[t])
        arrived = [(tasks[task], task.result()) for task in finished]
        results.update(arrived)
        if arrived:  # none when the grace period ran out
            await _done(side)
            await on_results(arrived)
        valid = sum(1 for r in results.values() if r.status == TurnStatus.OK)
        if pending and settled is not None and settled(len(pending)):
            return pending, TurnStatus.CANCELLED
        if deadline is None and valid >= need:
            deadline = time.monotonic() + grace_s
        if pending and deadline is not None and time.monotonic() >= deadline:
            return pending, TurnStatus.TIMEOUT
    return pending, None
