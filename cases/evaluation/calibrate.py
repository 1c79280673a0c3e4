"""Calibrate a panel's ``min_confidence``: deliberate labelled cases once at threshold 0,
re-decide them at every threshold from the stored rows (``risk``), choose the smallest
threshold whose exact upper bound on the wrong share of decided cases is at most ``alpha``
(fixed-sequence "learn then test"), and store it on the panel with its provenance, audited.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import audit, metrics
from cases.evaluation import execution, inputs, risk, running
from cases.evaluation.inputs import EvaluationError, Options
from cases.evaluation.records import CaseRecord
from panels import demo
from panels.models import Panel

BAD_LEVEL = "--{name} must be between 0 and 1 (exclusive), not {value}."
NEEDS_SOURCE = "Give the labelled cases: --cases FILE.jsonl, --csv FILE, or both."
REFUSED = (
    "No min_confidence meets alpha = {alpha} at {confidence} confidence on these {n} cases, "
    "so panel {panel!r} was not changed: {why}"
)
TOO_FEW_DECIDED = (
    "the panel decides at most {decided} of them, and even with no wrong consensus a bound "
    "of {alpha} needs at least {needed} decided cases. Label more cases (about {cases} at "
    "this decided share)."
)
TOO_MANY_WRONG = (
    "at min_confidence {threshold}, the strictest threshold that decides enough cases, "
    "{wrong} of {decided} decided cases are wrong (upper bound {bound:.2%}). With {wrong} "
    "wrong, at least {needed_wrong} decided cases would be needed; with none, {needed}."
)
AUDIT_ACTION = "panel.calibrated"
RECORD_FORMAT = 1


class CalibrationRefused(EvaluationError):
    """No threshold meets alpha on the given cases; the panel is unchanged. ``points`` holds
    the risk-coverage table so it can still be shown."""

    def __init__(self, message: str, *, points: list[risk.Point]) -> None:
        super().__init__(message)
        self.points = points


@dataclass(frozen=True)
class Calibration:
    """A stored calibration: the table, the fixed-sequence outcome and the provenance that was
    written to the panel."""

    points: list[risk.Point]
    selection: risk.Selection
    provenance: dict[str, Any]


def percent(value: float) -> str:
    """``0.01`` as "1 %", ``0.005`` as "0.5 %" (the way the guarantee is stated)."""
    return f"{round(value * 100, 2):g} %"


def _check(alpha: float, delta: float) -> None:
    for name, value in (("alpha", alpha), ("delta", delta)):
        if not 0 < value < 1:
            raise EvaluationError(BAD_LEVEL.format(name=name, value=value))


def relative(path: Path) -> str:
    """``path`` relative to the project folder when it lies inside it (so a committed record
    names the repository's files), else as given."""
    try:
        return str(path.expanduser().resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def deliberate(
    *,
    panel: str,
    cases: Sequence[Path] = (),
    csv: Path | None = None,
    limit: int | None = None,
    seed: int = 0,
    concurrency: int = 8,
    workers: int | None = 1,
    folds: int = 5,
    progress: execution.Progress | None = None,
) -> tuple[list[CaseRecord], dict[str, Any], list[dict[str, Any]]]:
    """Deliberate the labelled cases (each file of ``cases``, then ``csv``) once at
    min_confidence 0 (evaluation runs: tagged is_evaluation, never in the queue). Rows of the
    knowledge base's own CSV are held out of their judges' training through the same
    ``folds`` as ``evaluate``. Returns the records, the snapshot they ran on and one
    provenance entry per source file (its records are the next ``n`` of the list). Raises
    what ``running.prepare`` raises."""
    sources = [("cases", path) for path in cases] + ([("csv", csv)] if csv is not None else [])
    if not sources:
        raise EvaluationError(NEEDS_SOURCE)
    # Read every source first, so a bad second file fails before the first is deliberated.
    for kind, path in sources:
        inputs.read_cases(path) if kind == "cases" else inputs.read_patients(path)
    records: list[CaseRecord] = []
    snapshot: dict[str, Any] = {}
    files = []
    for kind, path in sources:
        options = Options(
            panel=panel,
            limit=limit,
            seed=seed,
            concurrency=concurrency,
            workers=workers,
            folds=folds,
            min_confidence=0,
            cases=path if kind == "cases" else None,
            csv=path if kind == "csv" else None,
        )
        run, _ = running.evaluate(options, progress=progress)
        run_records = running.run_records(run)
        records += run_records
        first = run.items.select_related("deliberation").first()
        snapshot = first.deliberation.panel_snapshot if first else snapshot
        files.append(
            {
                "kind": kind,
                "path": relative(path),
                "sha256": inputs.sha256_of(path),
                "n": len(run_records),
                "limit": limit,
                "seed": seed,
                "folds": int(run.options.get("folds", 0)),
                "in_training": len(run.options.get("in_training", [])),
                "evaluation_run": run.pk,
            }
        )
    return records, snapshot, files


def calibrate(
    *,
    panel: str,
    alpha: float,
    delta: float,
    cases: Sequence[Path] = (),
    csv: Path | None = None,
    limit: int | None = None,
    seed: int = 0,
    concurrency: int = 8,
    workers: int | None = 1,
    folds: int = 5,
    progress: execution.Progress | None = None,
) -> Calibration:
    """Calibrate ``panel`` on the labelled cases and store the chosen threshold with its
    provenance, audited. Raises CalibrationRefused (panel unchanged) when no threshold meets
    ``alpha``, EvaluationError for bad options or input."""
    _check(alpha, delta)
    records, snapshot, files = deliberate(
        panel=panel,
        cases=cases,
        csv=csv,
        limit=limit,
        seed=seed,
        concurrency=concurrency,
        workers=workers,
        folds=folds,
        progress=progress,
    )
    q, f = snapshot["q"], snapshot["f"]
    points = risk.curve(records, q=q, f=f, delta=delta)
    selection = risk.select(points, alpha=alpha, delta=delta)
    if selection.chosen is None:
        raise CalibrationRefused(
            refusal(points, selection, alpha=alpha, delta=delta, panel=panel), points=points
        )
    chosen = selection.chosen
    _per_source(files, records, q=q, f=f, delta=delta, threshold=chosen.threshold)
    provenance = {
        "files": files,
        "cases": ", ".join(f["path"] for f in files),
        "sha256": ", ".join(f["sha256"] for f in files),
        "n": len(records),
        "alpha": alpha,
        "delta": delta,
        "date": timezone.now().isoformat(timespec="seconds"),
        "min_confidence": chosen.threshold,
        "decided": chosen.decided,
        "wrong": chosen.wrong,
        "coverage": chosen.coverage,
        "bound": chosen.bound,
        "method": "fixed-sequence learn-then-test, exact Clopper-Pearson upper bound",
        "code": demo.code_fingerprint(),
    }
    store(panel, provenance=provenance)
    return Calibration(points=points, selection=selection, provenance=provenance)


def _per_source(
    files: list[dict[str, Any]],
    records: Sequence[CaseRecord],
    *,
    q: int,
    f: int,
    delta: float,
    threshold: int,
) -> None:
    """Add to each source's entry how many of its cases the chosen threshold decides and
    gets wrong, and its own bound: the pooled guarantee can hide a source that fares worse."""
    start = 0
    for entry in files:
        part = records[start : start + entry["n"]]
        start += entry["n"]
        (point,) = risk.curve(part, q=q, f=f, delta=delta, thresholds=[threshold])
        entry.update(decided=point.decided, wrong=point.wrong, bound=point.bound)


def write_record(calibration: Calibration, path: Path, *, panel: str) -> dict[str, Any]:
    """Write the calibration record that ``seed_demo`` applies to the demo panel (see
    ``panels.demo.apply_calibration``): the provenance and the risk-coverage table, as JSON.
    Returns what was written."""
    record = {
        "format": RECORD_FORMAT,
        "panel": panel,
        "min_confidence": calibration.provenance["min_confidence"],
        "calibration": calibration.provenance,
        "risk_coverage": [p.as_dict() for p in risk.distinct(calibration.points)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def store(name: str, *, provenance: dict[str, Any], actor_id: int | None = None) -> Panel:
    """Set the panel's min_confidence and calibration provenance, and audit the change, in
    one transaction."""
    with transaction.atomic():
        panel = Panel.objects.select_for_update().get(name=name)
        before = panel.min_confidence
        panel.min_confidence = provenance["min_confidence"]
        panel.calibration = provenance
        panel.save(update_fields=["min_confidence", "calibration", "updated_at"])
        audit.record(
            AUDIT_ACTION,
            obj=panel,
            actor_id=actor_id,
            payload={**provenance, "min_confidence": {"from": before, "to": panel.min_confidence}},
        )
    return panel


def refusal(
    points: list[risk.Point], selection: risk.Selection, *, alpha: float, delta: float, panel: str
) -> str:
    """Why no threshold met alpha, and how many decided cases would be needed."""
    n = points[0].cases if points else 0
    most = max(points, key=lambda p: p.decided) if points else None
    if not selection.tested:
        decided = most.decided if most else 0
        share = decided / n if n and decided else 0.0
        why = TOO_FEW_DECIDED.format(
            decided=decided,
            alpha=percent(alpha),
            needed=selection.needed,
            cases=round(selection.needed / share) if share else "many more",
        )
    else:
        first = selection.tested[0]
        why = TOO_MANY_WRONG.format(
            threshold=first.threshold,
            wrong=first.wrong,
            decided=first.decided,
            bound=first.bound,
            needed_wrong=metrics.trials_needed(alpha=alpha, delta=delta, failures=first.wrong),
            needed=selection.needed,
        )
    return REFUSED.format(
        alpha=percent(alpha), confidence=percent(1 - delta), n=n, panel=panel, why=why
    )
