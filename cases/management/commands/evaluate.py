"""Measure a panel on DDXPlus patient rows or labelled free-text cases (results.json,
cases.jsonl, report.html), or simulate the decision rule against the exact reliability table
(--simulate)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from cases import evaluation, metrics
from cases.deliberation import CaseRejected
from cases.evaluation import report
from panels import quorum
from panels.offline import knowledge


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def _percent(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 100:
        raise ValueError(value)
    return number


def add_workers_argument(parser: CommandParser) -> None:
    """``--workers``, as evaluate and calibrate both take it."""
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help=(
            "Processes that run the cases, folds shared out (default: one per idle core by "
            "the load average, at most 2; on a machine whose cores are busy, more processes "
            "were measured slower, so a busy machine gets 1)."
        ),
    )


class Command(BaseCommand):
    help = (
        "Deliberate DDXPlus patients (--csv) or labelled free-text cases (--cases) on a panel "
        "and write DIR/results.json, DIR/cases.jsonl and DIR/report.html; "
        "or, with --simulate, compare a Monte Carlo of the decision rule with the exact table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--csv", type=Path, help="DDXPlus patient rows, anywhere (default: dev_patients.csv)."
        )
        parser.add_argument(
            "--cases",
            type=Path,
            help='Free-text cases, JSON lines {"id", "text", "pathology" (null: out of scope)}.',
        )
        parser.add_argument(
            "--min-confidence",
            type=_percent,
            help="Run at this min_confidence instead of the panel's (0-100).",
        )
        parser.add_argument("--panel", default="offline", help="Panel name (default: offline).")
        parser.add_argument("--limit", type=_positive, help="Evaluate this many rows.")
        parser.add_argument("--seed", type=int, default=0, help="Which rows are sampled.")
        parser.add_argument("--out", type=Path, default=Path("var/evaluation"))
        parser.add_argument("--byzantine", type=int, choices=(0, 1, 2), default=0)
        parser.add_argument("--crash", type=_count, default=0)
        parser.add_argument("--hang", type=_count, default=0)
        parser.add_argument("--garbage", type=_count, default=0)
        parser.add_argument("--concurrency", type=_positive, default=8)
        add_workers_argument(parser)
        parser.add_argument(
            "--folds",
            type=_count,
            default=5,
            help="Hold each row out of its judges' training, N-fold (0: in-sample).",
        )
        parser.add_argument("--no-early-abort", action="store_true")
        parser.add_argument("--no-early-decision", action="store_true")
        simulation = parser.add_argument_group("--simulate: no cases, the pure decision rule")
        simulation.add_argument("--simulate", action="store_true")
        simulation.add_argument("--n", type=_positive, default=5)
        simulation.add_argument("--q", type=_positive, default=3)
        simulation.add_argument("--p", type=float, default=0.10)
        simulation.add_argument("--k", type=_positive, default=3)
        simulation.add_argument("--b", type=_count, default=0)
        simulation.add_argument("--trials", type=_positive, default=100_000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["simulate"]:
            self._simulate(options)
            return
        run_options = evaluation.Options(
            csv=options["csv"],
            cases=options["cases"],
            min_confidence=options["min_confidence"],
            panel=options["panel"],
            limit=options["limit"],
            seed=options["seed"],
            faults=evaluation.Faults(
                byzantine=options["byzantine"],
                crash=options["crash"],
                hang=options["hang"],
                garbage=options["garbage"],
            ),
            concurrency=options["concurrency"],
            workers=options["workers"],
            folds=options["folds"],
            early_abort=False if options["no_early_abort"] else None,
            early_decision=False if options["no_early_decision"] else None,
        )
        try:
            run, results = evaluation.evaluate(run_options, progress=_Progress(self.stderr))
        except (evaluation.EvaluationError, CaseRejected, knowledge.KnowledgeBaseMissing) as exc:
            raise CommandError(str(exc)) from None
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(results, indent=2, allow_nan=False))
        (out / "report.html").write_text(report.render(results))
        with (out / "cases.jsonl").open("w", encoding="utf-8") as handle:
            for line in evaluation.case_lines(run):
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        panel = results["panel"]
        self.stdout.write(
            f"Evaluation {run.pk}: {results['n_cases']} cases in "
            f"{results['run']['wall_time_s']:.1f} s; correct {panel['correct_consensus']:.3f}, "
            f"wrong {panel['wrong_consensus']:.3f}, no consensus {panel['no_consensus']:.3f}; "
            f"abstentions {results['abstention']['rate']:.3f}; "
            f"{panel['tokens_per_case']:.0f} tokens per case.\n"
            f"Wrote {out / 'results.json'}, {out / 'cases.jsonl'} and {out / 'report.html'}"
        )

    def _simulate(self, options: dict[str, Any]) -> None:
        n, q, p, k, b = (options[name] for name in ("n", "q", "p", "k", "b"))
        try:
            exact = quorum.reliability(n=n, q=q, p=p, k=k, b=b)
            sim = metrics.simulate(
                n=n, q=q, p=p, k=k, b=b, trials=options["trials"], seed=options["seed"]
            )
        except (quorum.QuorumError, metrics.MetricsError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"n={n} q={q} p={p} k={k} b={b}, {sim.trials} trials, seed {options['seed']}"
        )
        self.stdout.write(f"{'outcome':<10}{'simulated':>12}{'exact':>12}{'z':>8}")
        for outcome in ("correct", "wrong", "none"):
            expected = float(getattr(exact, outcome))
            se = sim.standard_error(outcome, expected=expected)
            # z is the difference in standard errors; |z| > 4 would mean table and rule disagree.
            z = (sim.rate(outcome) - expected) / se + 0.0 if se else 0.0
            self.stdout.write(f"{outcome:<10}{sim.rate(outcome):>12.6g}{expected:>12.6g}{z:>8.2f}")


class _Progress:
    """Cases done, rate and time left on stderr, at most a few times a second."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.shown = 0.0

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        now = time.monotonic()
        if done < total and now - self.shown < 0.25:
            return
        self.shown = now
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"\r{done}/{total} cases, {rate:.1f} cases/s, {left:.0f} s left   ",
            ending="\n" if done == total else "",
        )
        self.stream.flush()
