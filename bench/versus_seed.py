"""The seed's protocol against ours, on the same scripted members and the same latencies.

Members behave like vendors: each call's latency is log-normal (median 4 s, p95 15 s) and 1
call in 20 hangs until its timeout (60 s). Each member is right (pneumonia) with probability
0.8, otherwise it names one of three other conditions. Every case is run twice on the real
orchestrator with identical per-call latencies and answers:

- the seed's protocol: always two rounds, wait for every member (no early abort, no early
  decision, a grace period as long as the timeout);
- ours: the product's defaults (early abort when Round 1 is unanimous, early decision in
  Round 2, the default grace period after n - f answers).

Time is scaled down (``--scale``, 50 by default: a 4 s call takes 80 ms) so the run takes
about a minute; the ratios do not depend on the scale, except that the orchestrator's own
overhead (a few ms a round) weighs 50 times more than it would at vendor speed, which
flatters the seed slightly. Prints wall time p50/p95 and tokens, as ratios ours / seed.
Run: `.venv/bin/python -m bench.versus_seed [--cases 30] [--scale 50] [--seed 7]`.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from typing import Any

from bench._setup import django_on_scratch_db

django_on_scratch_db("versus_seed")

from asgiref.sync import async_to_sync  # noqa: E402

from cases import deliberation  # noqa: E402
from cases.models import Deliberation  # noqa: E402
from tests.factories import make_panel  # noqa: E402
from tests.fakes import scripted  # noqa: E402
from tests.fakes.scripted import answer  # noqa: E402

MEDIAN_S = 4.0
P95_S = 15.0
HANG_RATE = 1 / 20
TIMEOUT_S = 60.0
GRACE_S = 2.0  # the product's default grace period, at vendor speed
MEMBERS = 5
RIGHT = answer("Community-acquired pneumonia", "J18.9")
WRONG = [
    answer("Pulmonary embolism", "I26.99"),
    answer("Asthma exacerbation", "J45.901"),
    answer("Acute bronchitis", "J20.9"),
]
SIGMA = math.log(P95_S / MEDIAN_S) / 1.6449  # the normal's 95th percentile


def latency(rng: random.Random) -> float:
    """One call's latency at vendor speed: log-normal, or a hang past the timeout."""
    if rng.random() < HANG_RATE:
        return TIMEOUT_S * 10
    return min(rng.lognormvariate(math.log(MEDIAN_S), SIGMA), TIMEOUT_S * 10)


def case_members(rng: random.Random, scale: float) -> list[dict[str, Any]]:
    members = []
    for _ in range(MEMBERS):
        propose = RIGHT if rng.random() < 0.8 else rng.choice(WRONG)
        options = {
            "propose": propose,
            "delay_s": latency(rng) / scale,
            "vote_delay_s": latency(rng) / scale,
        }
        members.append({"provider": "scripted", "options": options})
    return members


def run_once(name: str, members: list[dict[str, Any]], scale: float, *, seed: bool) -> Any:
    panel = make_panel(
        name,
        members,
        q=3,
        f=2,
        member_timeout_s=TIMEOUT_S / scale,
        grace_period_s=(TIMEOUT_S if seed else GRACE_S) / scale,
        early_abort=not seed,
        early_decision=not seed,
    )
    d = deliberation.create("Fever, productive cough, crackles.", panel=panel, submitted_by_id=None)
    started = time.perf_counter()
    async_to_sync(deliberation.run)(d.pk)
    wall = time.perf_counter() - started
    scripted.CALLS.clear()
    done = Deliberation.objects.get(pk=d.pk)
    return wall * scale, done.input_tokens + done.output_tokens, done.outcome


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--scale", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results: dict[str, list[Any]] = {"seed": [], "ours": []}
    for i in range(args.cases):
        members = case_members(rng, args.scale)
        results["seed"].append(run_once(f"seed-{i}", members, args.scale, seed=True))
        results["ours"].append(run_once(f"ours-{i}", members, args.scale, seed=False))
    print(
        f"Seed protocol vs ours: {args.cases} cases, 5 members, latency log-normal "
        f"(median {MEDIAN_S:g} s, p95 {P95_S:g} s), 1 call in 20 hangs to the {TIMEOUT_S:g} s "
        f"timeout; time scaled 1/{args.scale:g}, figures below at vendor speed"
    )
    figures = {}
    for name, rows in results.items():
        walls = [r[0] for r in rows]
        figures[name] = (
            statistics.median(walls),
            quantile(walls, 0.95),
            statistics.mean(r[1] for r in rows),
            sum(r[2] == "consensus" for r in rows),
        )
        p50, p95, tokens, consensus = figures[name]
        print(
            f"  {name:5} wall p50 {p50:6.1f} s  p95 {p95:6.1f} s  tokens {tokens:7.0f}/case  "
            f"consensus {consensus}/{len(rows)}"
        )
    seed, ours = figures["seed"], figures["ours"]
    print(
        f"  ratio ours/seed: wall p50 {ours[0] / seed[0]:.2f}, p95 {ours[1] / seed[1]:.2f}, "
        f"tokens {ours[2] / seed[2]:.2f}"
    )


if __name__ == "__main__":
    main()
