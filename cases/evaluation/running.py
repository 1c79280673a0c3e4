"""Running an evaluation: every sampled row or free-text case becomes an evaluation case,
deliberated through the same ``deliberation.create`` / ``deliberation.run`` path as a
clinician's case, with the ground truth stored beside it (``EvaluationItem``).

Fault injection edits a copy of the panel's snapshot for this run only; the saved panel is
never changed. Offline members train on the knowledge base's development rows, so when those
rows are evaluated each is held out of the training of the members that judge it
(``folds``-way cross-validation through the builtin provider's ``holdout`` option).
"""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone

from cases import deliberation, protocol
from cases.evaluation import inputs, parallel, records, summary
from cases.evaluation.execution import Progress, execute_here
from cases.evaluation.inputs import EvaluationError, Faults, Options
from cases.models import EvaluationItem, EvaluationRun
from panels.offline import knowledge
from panels.snapshot import PanelSnapshot

# Colluders push one wrong diagnosis. When it happens to be the patient's true condition they
# switch to the second, so that colluding is always an attack, as in the reliability table.
COLLUDE_TARGETS = ("Pulmonary embolism | I26.99", "Pneumonia | J18.9")


@dataclass(frozen=True)
class Unit:
    """One case to create: its text and demographics, its position in the source, and the
    truth it is judged against (``truth`` empty: the right outcome is NO CONSENSUS)."""

    index: int
    text: str
    age: int | None
    sex: str
    pathology: str
    icd10: str
    truth: list[str]
    severity: int | None
    holdout: list[int] = field(default_factory=list)


def faulty_snapshot(
    snapshot: dict[str, Any], *, faults: Faults, collude_target: str = COLLUDE_TARGETS[0]
) -> dict[str, Any]:
    """A deep copy of a panel snapshot with the last ``faults.total`` members replaced by
    faulty ones (colluders first), each alias marked with its fault so it is never mistaken
    for the honest member. Raises EvaluationError when there are more faults than members."""
    members = snapshot["members"]
    if faults.total > len(members):
        raise EvaluationError(inputs.TOO_MANY_FAULTS.format(faults=faults.total, n=len(members)))
    result = copy.deepcopy(snapshot)
    start = len(members) - faults.total
    for member, mode in zip(result["members"][start:], faults.modes(), strict=True):
        member["fault_mode"] = mode
        member["fault_target"] = collude_target if mode == "collude" else ""
        member["alias"] = f"{member['alias']} ({mode})"[:40]
    return result


def collude_target_for(truth: Sequence[str], *, level: str) -> str:
    """The first colluder target that is wrong for a case whose right answers are
    ``truth``."""
    for target in COLLUDE_TARGETS:
        name, _, code = (part.strip() for part in target.partition("|"))
        if protocol.class_key(name, code or None, level=inputs.agreement(level)) not in truth:
            return target
    return COLLUDE_TARGETS[0]


def _truth(pathology: str | None, *, level: str) -> tuple[str, str, list[str], int | None]:
    if pathology is None:
        return "", "", [], None
    condition = inputs.training_kb().conditions[pathology]
    truth = inputs.true_classes(condition, level=level)
    return condition.name, condition.icd10, truth, condition.severity


def _free_text_units(options: Options, *, level: str) -> tuple[list[Unit], dict[str, Any]]:
    assert options.cases is not None
    cases = inputs.read_cases(options.cases)
    chosen = [
        cases[i] for i in inputs.sample_rows(len(cases), limit=options.limit, seed=options.seed)
    ]
    units = []
    for position, case in enumerate(chosen):
        age, sex = knowledge.extract_demographics(case.text)
        name, icd10, truth, severity = _truth(case.pathology, level=level)
        units.append(Unit(position, case.text, age, sex or "", name, icd10, truth, severity))
    extra = {"case_ids": [case.id for case in chosen], "folds": 0, "in_training": []}
    return units, extra


def _patient_units(options: Options, *, level: str) -> tuple[list[Unit], dict[str, Any]]:
    csv_path = options.csv or inputs.training_kb().directory / knowledge.PATIENTS_FILE
    patients = inputs.read_patients(csv_path)
    chosen = [
        patients[i]
        for i in inputs.sample_rows(len(patients), limit=options.limit, seed=options.seed)
    ]
    own = inputs.is_training_file(csv_path)
    folds = options.folds if own and options.folds > 1 else 0
    held_out: dict[int, list[int]] = defaultdict(list)
    for position, patient in enumerate(chosen):
        if folds:
            held_out[position % folds].append(patient.index)
    seen = inputs.training_keys()
    units = []
    in_training = []
    for position, patient in enumerate(chosen):
        row = patient.row
        name, icd10, truth, severity = _truth(row.pathology, level=level)
        units.append(
            Unit(
                index=patient.index,
                text=knowledge.render_patient(row),
                age=row.age,
                sex=row.sex if row.sex in ("F", "M") else "",
                pathology=name,
                icd10=icd10,
                truth=truth,
                severity=severity,
                holdout=held_out[position % folds] if folds else [],
            )
        )
        # Held out of its judges' training, a row of the training file was not seen by them.
        if (own and not folds) or (not own and inputs.row_key(row) in seen):
            in_training.append(patient.index)
    return units, {"csv": str(csv_path), "folds": folds, "in_training": in_training}


def prepare(options: Options) -> EvaluationRun:
    """Read and check every case, then create the run, one evaluation case per sampled row or
    case (queued deliberations on this run's copy of the panel) and the ground-truth rows, in
    one transaction. Raises EvaluationError, deliberation.CaseRejected or
    knowledge.KnowledgeBaseMissing, and then writes nothing."""
    if options.csv is not None and options.cases is not None:
        raise EvaluationError(inputs.BOTH_SOURCES)
    panel = deliberation.resolve_panel(options.panel)
    base = panel.snapshot().to_json()
    if options.min_confidence is not None:
        base["min_confidence"] = options.min_confidence
    faulty_snapshot(base, faults=options.faults)  # fail before writing anything
    level = base["agreement_level"]
    if options.cases is not None:
        units, extra = _free_text_units(options, level=level)
    else:
        units, extra = _patient_units(options, level=level)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            panel_name=panel.name,
            source=str(options.cases or extra["csv"]),
            options={**_options_record(options, rows=len(units)), **extra},
        )
        items = []
        for unit in units:
            snap = faulty_snapshot(
                base,
                faults=options.faults,
                collude_target=collude_target_for(unit.truth, level=level),
            )
            _tune(snap, options, holdout=unit.holdout)
            created = deliberation.create(
                unit.text,
                panel=panel,
                submitted_by_id=None,
                age=unit.age,
                sex=unit.sex,
                is_evaluation=True,
                snapshot=PanelSnapshot.from_json(snap),
            )
            items.append(
                EvaluationItem(
                    run=run,
                    deliberation=created,
                    row_index=unit.index,
                    pathology=unit.pathology,
                    icd10=unit.icd10,
                    true_classes=unit.truth,
                    severity=unit.severity,
                )
            )
        # One INSERT for the ground truth, not one per case (1,000 in a full run).
        EvaluationItem.objects.bulk_create(items)
    return run


def _tune(snap: dict[str, Any], options: Options, *, holdout: list[int]) -> None:
    # Evaluation streams to nobody, so the offline members skip their simulated typing delay.
    for member in snap["members"]:
        member["options"] = {**member.get("options", {}), "stream_delay_ms": 0}
        if holdout:
            member["options"]["holdout"] = holdout
    if options.early_abort is not None:
        snap["early_abort"] = options.early_abort
    if options.early_decision is not None:
        snap["early_decision"] = options.early_decision


def _options_record(options: Options, *, rows: int) -> dict[str, Any]:
    return {
        "csv": str(options.csv) if options.csv else None,
        "cases": str(options.cases) if options.cases else None,
        "panel": options.panel,
        "limit": options.limit,
        "rows": rows,
        "seed": options.seed,
        "byzantine": options.faults.byzantine,
        "crash": options.faults.crash,
        "hang": options.faults.hang,
        "garbage": options.faults.garbage,
        "concurrency": options.concurrency,
        "early_abort": options.early_abort,
        "early_decision": options.early_decision,
        "min_confidence": options.min_confidence,
    }


"""Called with (cases done, cases in total, seconds elapsed) as cases finish."""


def execute(
    run_id: int, *, concurrency: int, progress: Progress | None = None, workers: int | None = 1
) -> float:
    """Run every queued deliberation of the run, at most ``concurrency`` at a time per
    process, in ``workers`` processes (None: one per core, see ``parallel.workers_for``), and
    return the wall time in seconds. A deliberation that raises is marked failed by
    ``deliberation.run`` itself, so one bad case never stops the run."""
    ids = list(
        EvaluationItem.objects.filter(run_id=run_id)
        .order_by("pk")
        .values_list("deliberation_id", flat=True)
    )
    started = time.monotonic()
    processes = parallel.workers_for(workers, cases=len(ids))
    trained = parallel.train(ids, processes=parallel.TRAINING_PROCESSES)
    if processes > 1:
        parallel.run_in_processes(
            ids, workers=processes, concurrency=concurrency, progress=progress, trained=trained
        )
    else:
        async_to_sync(execute_here)(ids, concurrency=concurrency, progress=progress)
    return time.monotonic() - started


def evaluate(
    options: Options, *, progress: Progress | None = None
) -> tuple[EvaluationRun, dict[str, Any]]:
    """Prepare, run and summarise an evaluation; store the results on the run and return it
    with them. Raises what :func:`prepare` raises."""
    run = prepare(options)
    workers = parallel.workers_for(options.workers, cases=run.items.count())
    wall = execute(run.pk, concurrency=options.concurrency, progress=progress, workers=workers)
    run.options = {**run.options, "workers": workers}
    results = results_for(run, wall_time_s=wall)
    run.results = results
    run.finished_at = timezone.now()
    run.save(update_fields=["options", "results", "finished_at"])
    return run, results


def run_records(run: EvaluationRun) -> list[records.CaseRecord]:
    """The run's cases as plain records (named by their ids in a free-text run)."""
    return records.collect(run.pk, case_ids=run.options.get("case_ids"))


def case_lines(run: EvaluationRun) -> list[dict[str, Any]]:
    """One line per case for ``cases.jsonl``; rows of a CSV also say whether they could
    have been in the members' training."""
    in_training = set(run.options.get("in_training", []))
    lines = []
    for record in run_records(run):
        line = record.line()
        if not run.options.get("case_ids"):
            line["in_training"] = record.row_index in in_training
        lines.append(line)
    return lines


def results_for(run: EvaluationRun, *, wall_time_s: float) -> dict[str, Any]:
    """Summarise a run from its stored rows. The snapshot of its first case stands for all
    (they differ only in the held-out rows and the colluders' target)."""
    first = run.items.select_related("deliberation").first()
    snapshot = first.deliberation.panel_snapshot if first else {}
    return summary.summarise(
        run_records(run), snapshot=snapshot, wall_time_s=wall_time_s, options=run.options
    )
