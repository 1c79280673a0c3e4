"""Orchestrator overhead: wall time of a deliberation against its critical path.

Five scripted members answer after fixed latencies (100-500 ms) in both rounds. The
critical path is the sum over the rounds of the slowest answer the rules wait for; the
overhead is what the orchestrator adds to it (persistence, events, scheduling).
Run: `make bench` or `.venv/bin/python bench/orchestrator.py`.
"""

from __future__ import annotations

import statistics
import time

from bench._setup import django_on_scratch_db

django_on_scratch_db("orchestrator")

from asgiref.sync import async_to_sync  # noqa: E402

from cases import deliberation  # noqa: E402
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


def members(hung: int = 0) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, (propose, latency) in enumerate(zip(ANSWERS, LATENCIES, strict=True)):
        if i >= len(ANSWERS) - hung:
            out.append({"provider": "scripted", "fault_mode": "hang", "timeout_s": 30.0})
        else:
            options = {"propose": propose, "delay_s": latency, "vote_delay_s": latency}
            out.append({"provider": "scripted", "options": options})
    return out


async def timed_run(deliberation_id: int) -> float:
    # Timed inside the event loop, as daphne or a worker runs it: the harness's own loop
    # start-up and hand-back are not the orchestrator's overhead.
    started = time.perf_counter()
    await deliberation.run(deliberation_id)
    return time.perf_counter() - started


def measure(name: str, critical_path_s: float, **panel: object) -> None:
    walls = []
    hung = int(panel.pop("hung", 0))  # type: ignore[call-overload]
    for repeat in range(REPEATS):
        p = make_panel(f"{name}-{repeat}", members(hung), **panel)
        d = deliberation.create("Fever, cough, crackles.", panel=p, submitted_by_id=None)
        walls.append(async_to_sync(timed_run)(d.pk))
        scripted.CALLS.clear()
    wall = statistics.median(walls)
    overhead_ms = (wall - critical_path_s) * 1000
    print(
        f"{name:<34} wall {wall * 1000:7.1f} ms  critical path {critical_path_s * 1000:6.0f} ms  "
        f"overhead {overhead_ms:6.1f} ms ({overhead_ms / (critical_path_s * 10):.2f}%)"
    )


if __name__ == "__main__":
    print(f"Orchestrator overhead, median of {REPEATS} runs, 5 members, latencies 100-500 ms")
    # Everyone answers within the grace period: each round waits for the 500 ms member.
    measure(
        "all answer (grace 1 s)",
        0.5 + 0.5,
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
