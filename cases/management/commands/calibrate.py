"""Calibrate a panel's min_confidence on labelled cases: print the risk-coverage table, store
the smallest threshold whose exact upper bound on wrong consensus among decided cases is at
most alpha, or refuse and say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.deliberation import CaseRejected
from cases.evaluation import calibrate, inputs, risk
from cases.evaluation.inputs import EvaluationError
from cases.management.commands.evaluate import (
    _count,
    _positive,
    _Progress,
    add_workers_argument,
)
from panels.admin import guarantee_statement
from panels.models import Panel
from panels.offline import knowledge

# The value of a bare --csv: the knowledge base's own rows, resolved when the command runs.
SHIPPED_ROWS = Path("<the shipped rows>")


def _level(value: str) -> float:
    number = float(value)
    if not 0 < number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Deliberate labelled cases once at min_confidence 0, print the risk-coverage table and "
        "store on the panel the smallest min_confidence whose upper 1-delta Clopper-Pearson "
        "bound on the wrong share of decided cases is at most alpha."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--panel", default="offline", help="Panel name (default: offline).")
        parser.add_argument(
            "--cases",
            type=Path,
            nargs="+",
            default=[],
            help='Free-text cases, JSON lines {"id", "text", "pathology"}; several files pool.',
        )
        parser.add_argument(
            "--csv",
            type=Path,
            nargs="?",
            const=SHIPPED_ROWS,
            help=(
                "DDXPlus patient rows (any CSV; --csv alone, or no --cases: the shipped rows, "
                "each held out of its judges' training through --folds, as evaluate does). "
                "With --cases, both pool into one calibration set."
            ),
        )
        parser.add_argument("--alpha", type=_level, default=0.01, help="Wrong share allowed.")
        parser.add_argument("--delta", type=_level, default=0.05, help="1 - confidence level.")
        parser.add_argument("--limit", type=_positive, help="Use this many cases per file.")
        parser.add_argument("--seed", type=int, default=0, help="Which cases --limit samples.")
        parser.add_argument("--concurrency", type=_positive, default=8)
        add_workers_argument(parser)
        parser.add_argument(
            "--folds",
            type=_count,
            default=5,
            help="Rows of the training file: hold each out of its judges' training, N-fold.",
        )
        parser.add_argument(
            "--write-record",
            type=Path,
            metavar="PATH",
            help="Also write the calibration record (JSON) that seed_demo applies.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        csv = options["csv"]
        if csv is SHIPPED_ROWS or (csv is None and not options["cases"]):
            csv = inputs.training_kb().directory / knowledge.PATIENTS_FILE
        try:
            result = calibrate.calibrate(
                panel=options["panel"],
                alpha=options["alpha"],
                delta=options["delta"],
                cases=options["cases"],
                csv=csv,
                limit=options["limit"],
                seed=options["seed"],
                concurrency=options["concurrency"],
                workers=options["workers"],
                folds=options["folds"],
                progress=_Progress(self.stderr),
            )
        except calibrate.CalibrationRefused as exc:
            self._table(exc.points, chosen=None)
            raise CommandError(str(exc)) from None
        except (EvaluationError, CaseRejected, knowledge.KnowledgeBaseMissing) as exc:
            raise CommandError(str(exc)) from None
        self._table(result.points, chosen=result.selection.chosen)
        panel = Panel.objects.get(name=options["panel"])
        self.stdout.write(
            f"Panel {panel.name!r}: min_confidence set to {panel.min_confidence}.\n"
            f"{guarantee_statement(panel.calibration, min_confidence=panel.min_confidence)}"
        )
        for entry in result.provenance["files"]:
            self.stdout.write(
                f"  {entry['path']}: decides {entry['decided']} of {entry['n']}, "
                f"{entry['wrong']} wrong (its own bound {entry['bound']:.2%})"
            )
        if options["write_record"] is not None:
            calibrate.write_record(result, options["write_record"], panel=panel.name)
            self.stdout.write(f"Wrote the calibration record {options['write_record']}.")

    def _table(self, points: list[risk.Point], *, chosen: risk.Point | None) -> None:
        self.stdout.write(
            f"{'threshold':>9}  {'decided':>9}  {'decided share':>13}  {'wrong share':>11}  "
            f"{'bound':>7}"
        )
        for point in sorted(risk.distinct(points), key=lambda p: p.threshold, reverse=True):
            mark = (
                "  <- chosen" if chosen is not None and point.threshold == chosen.threshold else ""
            )
            self.stdout.write(
                f"{point.threshold:>9}  {point.decided:>4}/{point.cases:<4}  "
                f"{point.coverage:>13.3f}  {point.wrong_share:>11.4f}  {point.bound:>7.4f}{mark}"
            )
