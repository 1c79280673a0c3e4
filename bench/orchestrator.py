"""Orchestrator overhead: wall time of a deliberation against its members' own time.

Five scripted members answer after fixed latencies (100-500 ms) in both rounds. Per
deliberation, the overhead is its wall time minus the time during which at least one
member's call was in flight (measured around every provider call, so a grace period or a
hung member the rules wait for counts as the members' time, not the orchestrator's): what
the orchestrator adds itself (persistence, events, scheduling between and around rounds).
The goal (issue 14) is at most 1 % of the wall time or 10 ms. The critical path the rules
imply (the slowest answer each round waits for) is printed beside it as a cross-check.

On a loaded machine the wall figure mostly measures waiting for a core, so beside it: the
overhead in CPU time (the process's CPU time, every thread, spent while no member call was in
flight) and counts that do not depend on load, per deliberation: SQL statements, committed
transactions, hops to the database thread (``sync_to_async``) and audit checkpoints
(each signed at its commit and fsynced by the anchor's own thread, off the critical path).
Run: `make bench` or `.venv/bin/python -m bench.orchestrator`.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench._setup import django_on_scratch_db

django_on_scratch_db("orchestrator")

from asgiref import sync as asgiref_sync  # noqa: E402
from asgiref.sync import async_to_sync  # noqa: E402
from django.db.backends import utils as db_utils  # noqa: E402
from django.db.backends.base import base as db_base  # noqa: E402

from cases import deliberation  # noqa: E402
from cases.audit import anchor as audit_anchor  # noqa: E402
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

# (start, end, CPU time at start, CPU time at end) of every provider call of the current
# deliberation.
IN_FLIGHT: list[tuple[float, float, float, float]] = []
COUNTS = {"queries": 0, "commits": 0, "hops": 0, "checkpoints": 0}


def _counted(name: str, real: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        COUNTS[name] += 1
        return real(*args, **kwargs)

    return wrapper


# Counting only: every statement, every commit (any thread), every hop to the sync thread.
db_utils.CursorWrapper.execute = _counted("queries", db_utils.CursorWrapper.execute)  # type: ignore[method-assign]
db_utils.CursorWrapper.executemany = _counted("queries", db_utils.CursorWrapper.executemany)  # type: ignore[method-assign]
db_base.BaseDatabaseWrapper.commit = _counted("commits", db_base.BaseDatabaseWrapper.commit)  # type: ignore[method-assign]
asgiref_sync.SyncToAsync.__call__ = _counted("hops", asgiref_sync.SyncToAsync.__call__)  # type: ignore[method-assign]
# Every audit checkpoint scheduled (the anchor's thread fsyncs it).
audit_anchor.schedule = _counted("checkpoints", audit_anchor.schedule)


class Timed:
    """A member's provider (fault injector included: a hung member is in flight too), timed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def complete(self, request: Any, *, on_delta: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return await self.inner.complete(request, on_delta=on_delta)
        finally:  # a call cancelled by the rules (grace over, early decision) ends here too
            IN_FLIGHT.append((started, time.perf_counter(), cpu, time.process_time()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_build = base.build
base.build = lambda spec, **kwargs: Timed(_build(spec, **kwargs))


def busy_s(calls: list[tuple[float, float, float, float]], start: float, end: float) -> float:
    """Seconds of [start, end] during which at least one call was in flight."""
    total, reached = 0.0, start
    for begin, finish, _, _ in sorted(calls):
        begin, finish = max(begin, reached), min(finish, end)
        if finish > begin:
            total += finish - begin
            reached = finish
    return total


def idle_cpu_s(
    calls: list[tuple[float, float, float, float]],
    start: tuple[float, float],
    end: tuple[float, float],
) -> float:
    """CPU seconds the process spent between ``start`` and ``end`` ((wall, CPU) pairs) while
    no call was in flight: the gaps between the calls' spans."""
    total, (reached, reached_cpu) = 0.0, start
    for begin, finish, begin_cpu, finish_cpu in sorted(calls):
        if begin > reached:
            total += begin_cpu - reached_cpu
        if finish > reached:
            reached, reached_cpu = finish, finish_cpu
    return total + max(0.0, end[1] - reached_cpu) if end[0] > reached else total


def members(hung: int = 0) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, (propose, latency) in enumerate(zip(ANSWERS, LATENCIES, strict=True)):
        if i >= len(ANSWERS) - hung:
            out.append({"provider": "scripted", "fault_mode": "hang", "timeout_s": 30.0})
        else:
            options = {"propose": propose, "delay_s": latency, "vote_delay_s": latency}
            out.append({"provider": "scripted", "options": options})
    return out


async def timed_run(deliberation_id: int) -> tuple[float, float, float]:
    """Wall time, overhead (wall minus members' in-flight time) and overhead in CPU time of
    one deliberation, timed inside the event loop, as daphne or a worker runs it: the
    harness's own loop start-up and hand-back are not the orchestrator's overhead."""
    IN_FLIGHT.clear()
    COUNTS.update(queries=0, commits=0, hops=0, checkpoints=0)
    started, started_cpu = time.perf_counter(), time.process_time()
    await deliberation.run(deliberation_id)
    ended, ended_cpu = time.perf_counter(), time.process_time()
    cpu = idle_cpu_s(IN_FLIGHT, (started, started_cpu), (ended, ended_cpu))
    return ended - started, ended - started - busy_s(IN_FLIGHT, started, ended), cpu


def measure(name: str, critical_path_s: float, *, warm_up: bool = False, **panel: object) -> None:
    walls, overheads, cpus = [], [], []
    counts: dict[str, list[int]] = {name: [] for name in COUNTS}
    hung = int(panel.pop("hung", 0))  # type: ignore[call-overload]
    # A first deliberation in the process pays for imports and caches: not measured.
    for repeat in range(-1 if warm_up else 0, REPEATS):
        p = make_panel(f"{name}-{repeat}", members(hung), **panel)
        d = deliberation.create("Fever, cough, crackles.", panel=p, submitted_by_id=None)
        wall, overhead, cpu = async_to_sync(timed_run)(d.pk)
        scripted.CALLS.clear()
        if repeat < 0:
            continue
        walls.append(wall)
        overheads.append(overhead)
        cpus.append(cpu)
        for key, value in COUNTS.items():
            counts[key].append(value)
    wall, overhead = statistics.median(walls), statistics.median(overheads)
    cpu = statistics.median(cpus)
    each = " ".join(f"{o * 1000:.1f}" for o in overheads)
    print(
        f"{name:<30} wall {wall * 1000:7.1f} ms (critical path {critical_path_s * 1000:4.0f} ms)"
        f"  overhead {overhead * 1000:5.1f} ms = {overhead / wall:6.2%} of wall"
        f"  [per deliberation: {each} ms]\n{'':30} overhead in CPU time {cpu * 1000:5.1f} ms"
        f" = {cpu / wall:6.2%} of wall; per deliberation "
        + ", ".join(f"{statistics.median(v):.0f} {k}" for k, v in counts.items())
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
