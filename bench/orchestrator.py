"""Orchestrator overhead: wall time of a deliberation against its members' own time.

Five scripted members answer after fixed latencies (100-500 ms) in both rounds. Per
deliberation, the overhead is its wall time minus the time during which at least one
member's call was in flight (measured around every provider call, so a grace period or a
hung member the rules wait for counts as the members' time, not the orchestrator's): what
the orchestrator adds itself (persistence, events, scheduling between and around rounds).
The goal (issue 14) is at most 1 % of the wall time or 10 ms. The critical path the rules
imply (the slowest answer each round waits for) is printed beside it as a cross-check.
Run: `make bench` or `.venv/bin/python -m bench.orchestrator`.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench._setup import django_on_scratch_db

django_on_scratch_db("orchestrator")

from asgiref.sync import async_to_sync  # noqa: E402

from cases import deliberation  # noqa: E402
from panels.providers import base  # noqa: E402
from tests.factories import make_panel  # noqa: E402
from tests.fakes import scripted  # noqa: E402
from tests.fakes.scripted import answer  # noqa: E402

ANSWERS = [
    answer("Community-acquired pneumonia", "J18.9"),
    answer("Community-acquired pneumonia", "J18.9"),
    answer("Pulmonary embolism", "I26.99"),
    answer("Community-acquired pneumonia", "J18.9"),
    answer("Asthma", "J45.909"),
]
LATENCIES = [0.1, 0.2, 0.3, 0.4, 0.5]
REPEATS = 5

# (start, end) of every provider call of the current deliberation.
IN_FLIGHT: list[tuple[float, float]] = []


class Timed:
    """A member's provider (fault injector included: a hung member is in flight too), timed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def complete(self, request: Any, *, on_delta: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.inner.complete(request, on_delta=on_delta)
        finally:  # a call cancelled by the rules (grace over, early decision) ends here too
            IN_FLIGHT.append((started, time.perf_counter()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_build = base.build
base.build = lambda spec, **kwargs: Timed(_build(spec, **kwargs))


def busy_s(calls: list[tuple[float, float]], start: float, end: float) -> float:
    """Seconds of [start, end] during which at least one call was in flight."""
    total, reached = 0.0, start
    for begin, finish in sorted(calls):
        begin, finish = max(begin, reached), min(finish, end)
        if finish > begin:
            total += finish - begin
            reached = finish
    return total


def members(hung: int = 0) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, (propose, latency) in enumerate(zip(ANSWERS, LATENCIES, strict=True)):
        if i >= len(ANSWERS) - hung:
            out.append({"provider": "scripted", "fault_mode": "hang", "timeout_s": 30.0})
        else:
            options = {"propose": propose, "delay_s": latency, "vote_delay_s": latency}
            out.append({"provider": "scripted", "options": options})
    return out


async def timed_run(deliberation_id: int) -> tuple[float, float]:
    """Wall time and overhead (wall minus members' in-flight time) of one deliberation,
    timed inside the event loop, as daphne or a worker runs it: the harness's own loop
    start-up and hand-back are not the orchestrator's overhead."""
    IN_FLIGHT.clear()
    started = time.perf_counter()
    await deliberation.run(deliberation_id)
    ended = time.perf_counter()
    return ended - started, ended - started - busy_s(IN_FLIGHT, started, ended)


def measure(name: str, critical_path_s: float, *, warm_up: bool = False, **panel: object) -> None:
    walls, overheads = [], []
    hung = int(panel.pop("hung", 0))  # type: ignore[call-overload]
    # A first deliberation in the process pays for imports and caches: not measured.
    for repeat in range(-1 if warm_up else 0, REPEATS):
        p = make_panel(f"{name}-{repeat}", members(hung), **panel)
        d = deliberation.create("Fever, cough, crackles.", panel=p, submitted_by_id=None)
        wall, overhead = async_to_sync(timed_run)(d.pk)
        scripted.CALLS.clear()
        if repeat < 0:
            continue
        walls.append(wall)
        overheads.append(overhead)
    wall, overhead = statistics.median(walls), statistics.median(overheads)
    each = " ".join(f"{o * 1000:.1f}" for o in overheads)
    print(
        f"{name:<30} wall {wall * 1000:7.1f} ms (critical path {critical_path_s * 1000:4.0f} ms)"
        f"  overhead {overhead * 1000:5.1f} ms = {overhead / wall:6.2%} of wall"
        f"  [per deliberation: {each} ms]"
    )


if __name__ == "__main__":
    print(
        f"Orchestrator overhead = wall - members' in-flight time; median of {REPEATS} "
        f"deliberations, 5 members, latencies 100-500 ms; load {os.getloadavg()[0]:.2f}"
    )
    # Everyone answers within the grace period: each round waits for the 500 ms member.
    measure(
        "all answer (grace 1 s)",
        0.5 + 0.5,
        warm_up=True,
        grace_period_s=1.0,
        early_abort=False,
        early_decision=False,
    )
    # Grace 0: each round moves on at the 3rd answer (n - f); the two late members time out
    # in Round 1 and do not vote, so Round 2 waits for the 3 remaining voters (300 ms).
    measure(
        "n - f rule (grace 0)",
        0.3 + 0.3,
        grace_period_s=0.0,
        early_abort=False,
        early_decision=False,
    )
    # Slow members: two hang; Round 1 ends at the 3rd answer + grace, Round 2 at the 3rd vote.
    measure(
        "2 hung members (grace 0.5 s)",
        0.3 + 0.5 + 0.3,
        grace_period_s=0.5,
        hung=2,
        early_abort=False,
        early_decision=False,
    )
