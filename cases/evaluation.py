"""Measure a panel on DDXPlus patients: every patient becomes an evaluation case, deliberated
through the same ``deliberation.create`` / ``deliberation.run`` path as a clinician's case,
with the ground truth stored beside it (``EvaluationItem``); then the figures are computed
from the stored rows.

Fault injection (``--byzantine``, ``--crash``, ``--hang``, ``--garbage``) edits a copy of the
panel's snapshot for this run only; the saved panel is never changed. Offline members train
on the development rows, so by default each evaluated row is held out of the training of the
members that judge it (``folds``-way cross-validation through the builtin provider's
``holdout`` option): the figures are out-of-sample.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import csv
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import deliberation, metrics, protocol
from cases.models import (
    FAULT_STATUSES,
    DeliberationStatus,
    EvaluationItem,
    EvaluationRun,
    Proposal,
    TurnStatus,
    Vote,
)
from panels import quorum
from panels.offline import knowledge

# Colluders push one wrong diagnosis. When it happens to be the patient's true condition they
# switch to the second, so that colluding is always an attack, as in the reliability table.
COLLUDE_TARGETS = ("Pulmonary embolism | I26.99", "Pneumonia | J18.9")
# The data README documents that the knowledge base codes SLE as M34 (systemic sclerosis);
# systemic lupus erythematosus is M32. The ground truth uses the corrected code.
TRUTH_CODE_FIXES = {"SLE": "M32"}

TOO_MANYFAULT_STATUSES = "{faults} faulty members requested but the panel has only {n} members."
NO_ROWS = "No patient rows to evaluate in {path}."
BAD_CSV = "{path} is not a DDXPlus patient CSV: {error}"


class EvaluationError(ValueError):
    """Options or input that cannot be evaluated; the message says why."""


@dataclass(frozen=True)
class Faults:
    """How many members of this run's panel copy misbehave, by kind."""

    byzantine: int = 0
    crash: int = 0
    hang: int = 0
    garbage: int = 0

    @property
    def total(self) -> int:
        return self.byzantine + self.crash + self.hang + self.garbage

    def modes(self) -> list[str]:
        """One fault mode per faulty member, colluders first."""
        return (
            ["collude"] * self.byzantine
            + ["crash"] * self.crash
            + ["hang"] * self.hang
            + ["garbage"] * self.garbage
        )


@dataclass(frozen=True)
class Options:
    """What to evaluate and how. ``limit`` None means every row; ``seed`` picks the rows;
    ``folds`` 0 evaluates in-sample (members may have trained on the rows they judge);
    ``early_abort`` / ``early_decision`` None keep the panel's own setting."""

    csv: Path
    panel: str = "offline"
    limit: int | None = None
    seed: int = 0
    faults: Faults = Faults()
    concurrency: int = 8
    folds: int = 5
    early_abort: bool | None = None
    early_decision: bool | None = None


@dataclass(frozen=True)
class Patient:
    """A row to evaluate: its index in the CSV and the parsed row."""

    index: int
    row: knowledge.PatientRow


# --- pure helpers ---------------------------------------------------------------------------


def sample_rows(count: int, *, limit: int | None, seed: int) -> list[int]:
    """Which of ``count`` rows to evaluate: all of them in order when ``limit`` is None or
    covers them, else ``limit`` indices drawn without replacement with ``seed``."""
    if limit is None or limit >= count:
        return list(range(count))
    return random.Random(seed).sample(range(count), max(0, limit))


def true_classes(condition: knowledge.Condition, *, level: str) -> list[str]:
    """The class keys that count as the right answer for ``condition`` at the agreement
    ``level``: one per ICD-10 code the knowledge base gives ("j17, j18" gives two)."""
    raw = TRUTH_CODE_FIXES.get(condition.name, condition.icd10)
    codes = [code.strip() for code in raw.split(",") if code.strip()] or [""]
    keys = [protocol.class_key(condition.name, code, level=_level(level)) for code in codes]
    return list(dict.fromkeys(keys))


def _level(level: str) -> protocol.AgreementLevel:
    return "code" if level == "code" else "category"


def faulty_snapshot(
    snapshot: dict[str, Any], *, faults: Faults, collude_target: str = COLLUDE_TARGETS[0]
) -> dict[str, Any]:
    """A deep copy of a panel snapshot with the last ``faults.total`` members replaced by
    faulty ones (colluders first), each alias marked with its fault so it is never mistaken
    for the honest member. Raises EvaluationError when there are more faults than members."""
    members = snapshot["members"]
    if faults.total > len(members):
        raise EvaluationError(TOO_MANYFAULT_STATUSES.format(faults=faults.total, n=len(members)))
    result = copy.deepcopy(snapshot)
    start = len(members) - faults.total
    for member, mode in zip(result["members"][start:], faults.modes(), strict=True):
        member["fault_mode"] = mode
        member["fault_target"] = collude_target if mode == "collude" else ""
        member["alias"] = f"{member['alias']} ({mode})"[:40]
    return result


def collude_target_for(truth: Sequence[str], *, level: str) -> str:
    """The first colluder target that is wrong for a patient whose right answers are
    ``truth``."""
    for target in COLLUDE_TARGETS:
        name, _, code = (part.strip() for part in target.partition("|"))
        if protocol.class_key(name, code or None, level=_level(level)) not in truth:
            return target
    return COLLUDE_TARGETS[0]


def read_patients(path: Path) -> list[Patient]:
    """The patient rows of a DDXPlus CSV. The knowledge base's own development file comes
    from ``knowledge.load``; another CSV must sit in a folder with the two JSON files (the
    renderer reads the knowledge base from the row's folder). Raises EvaluationError or
    knowledge.KnowledgeBaseMissing."""
    path = path.expanduser().resolve()
    rows = knowledge.load(path.parent).rows if path == _kb_patients() else _other_csv(path)
    if not rows:
        raise EvaluationError(NO_ROWS.format(path=path))
    return [Patient(i, row) for i, row in enumerate(rows)]


def _kb_patients() -> Path:
    return Path(settings.DDXPLUS_DIR).expanduser().resolve() / knowledge.PATIENTS_FILE


def _other_csv(path: Path) -> tuple[knowledge.PatientRow, ...]:
    kb = knowledge.load(path.parent)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return tuple(
                knowledge.PatientRow(
                    age=int(record["AGE"]),
                    sex=record["SEX"],
                    pathology=record["PATHOLOGY"],
                    # Python literals, not JSON (see the data README).
                    evidences=tuple(ast.literal_eval(record["EVIDENCES"])),
                    initial=record["INITIAL_EVIDENCE"],
                    source=kb.directory,
                )
                for record in csv.DictReader(handle)
            )
    except (OSError, KeyError, ValueError, SyntaxError) as exc:
        raise EvaluationError(BAD_CSV.format(path=path, error=exc)) from None


# --- running ------------------------------------------------------------------------------


def prepare(options: Options) -> EvaluationRun:
    """Create the run, one evaluation case per sampled patient (queued deliberations on this
    run's copy of the panel) and the ground-truth rows, in one transaction. Raises
    EvaluationError, deliberation.CaseRejected or knowledge.KnowledgeBaseMissing."""
    panel = deliberation.resolve_panel(options.panel)
    patients = read_patients(options.csv)
    chosen = [
        patients[i] for i in sample_rows(len(patients), limit=options.limit, seed=options.seed)
    ]
    kb = knowledge.load(patients[0].row.source)
    base = panel.snapshot()
    faulty_snapshot(base, faults=options.faults)  # fail before writing anything
    level = base["agreement_level"]
    in_kb = options.csv.expanduser().resolve() == _kb_patients()
    folds = options.folds if in_kb and options.folds > 1 else 0
    held_out: dict[int, list[int]] = defaultdict(list)
    for position, patient in enumerate(chosen):
        if folds:
            held_out[position % folds].append(patient.index)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            panel_name=panel.name,
            source=str(options.csv),
            options=_options_record(options, rows=len(chosen), folds=folds),
        )
        for position, patient in enumerate(chosen):
            condition = kb.conditions[patient.row.pathology]
            truth = true_classes(condition, level=level)
            snap = faulty_snapshot(
                base,
                faults=options.faults,
                collude_target=collude_target_for(truth, level=level),
            )
            _tune(snap, options, holdout=held_out[position % folds] if folds else [])
            created = deliberation.create(
                knowledge.render_patient(patient.row),
                panel=panel,
                submitted_by_id=None,
                age=patient.row.age,
                sex=patient.row.sex if patient.row.sex in ("F", "M") else "",
                is_evaluation=True,
                snapshot=snap,
            )
            EvaluationItem.objects.create(
                run=run,
                deliberation=created,
                row_index=patient.index,
                pathology=condition.name,
                icd10=condition.icd10,
                true_classes=truth,
                severity=condition.severity,
            )
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


def _options_record(options: Options, *, rows: int, folds: int) -> dict[str, Any]:
    return {
        "csv": str(options.csv),
        "panel": options.panel,
        "limit": options.limit,
        "rows": rows,
        "seed": options.seed,
        "byzantine": options.faults.byzantine,
        "crash": options.faults.crash,
        "hang": options.faults.hang,
        "garbage": options.faults.garbage,
        "concurrency": options.concurrency,
        "folds": folds,
        "early_abort": options.early_abort,
        "early_decision": options.early_decision,
    }


Progress = Callable[[int, int, float], None]
"""Called with (cases done, cases in total, seconds elapsed) as cases finish."""


async def execute(run_id: int, *, concurrency: int, progress: Progress | None = None) -> float:
    """Run every queued deliberation of the run, at most ``concurrency`` at a time, and return
    the wall time in seconds. A deliberation that raises is marked failed by
    ``deliberation.run`` itself, so one bad case never stops the run."""
    ids: list[int] = await sync_to_async(
        lambda: list(
            EvaluationItem.objects.filter(run_id=run_id).values_list("deliberation_id", flat=True)
        )
    )()
    started = time.monotonic()
    done = 0
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(deliberation_id: int) -> None:
        nonlocal done
        async with gate:
            await deliberation.run(deliberation_id)
        done += 1
        if progress is not None:
            progress(done, len(ids), time.monotonic() - started)

    await asyncio.gather(*(one(i) for i in ids))
    return time.monotonic() - started


# --- collecting -----------------------------------------------------------------------------


@dataclass
class CaseRecord:
    """One evaluated patient as plain data: ground truth, what each member did, the outcome."""

    row_index: int
    pathology: str
    severity: int | None
    truth: list[str]
    status: str = ""
    outcome: str = ""
    reason: str = ""
    winner: str = ""
    round2_skipped: str = ""
    tokens: int = 0
    elapsed_s: float | None = None
    proposals: dict[int, tuple[str, str, int]] = field(default_factory=dict)
    votes: dict[int, tuple[str, str, int]] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``correct``, ``wrong`` or ``none`` (no consensus, including a failed run)."""
        if self.status != DeliberationStatus.FINISHED or self.outcome != "consensus":
            return "none"
        return "correct" if self.winner in self.truth else "wrong"

    def member_correct(self, index: int) -> bool:
        status, key, _ = self.proposals.get(index, ("", "", 0))
        return status == TurnStatus.OK and key in self.truth

    def faulted(self) -> set[int]:
        """Members with a fault in either round."""
        faults = {i for i, (s, _, _) in self.proposals.items() if s in FAULT_STATUSES}
        return faults | {i for i, (s, _, _) in self.votes.items() if s in FAULT_STATUSES}


def collect(run_id: int) -> list[CaseRecord]:
    """The run's cases as plain records, in row order, read in four queries."""
    items = EvaluationItem.objects.filter(run_id=run_id).select_related("deliberation")
    records: dict[int, CaseRecord] = {}
    for item in items:
        d = item.deliberation
        records[d.pk] = CaseRecord(
            row_index=item.row_index,
            pathology=item.pathology,
            severity=item.severity,
            truth=list(item.true_classes),
            status=d.status,
            outcome=d.outcome,
            reason=d.reason or d.failure,
            winner=d.winner_key,
            round2_skipped=d.round2_skipped,
            tokens=d.input_tokens + d.output_tokens,
            elapsed_s=d.elapsed_s,
        )
    turns: list[tuple[type[Proposal] | type[Vote], str]] = [
        (Proposal, "proposals"),
        (Vote, "votes"),
    ]
    for model, attribute in turns:
        rows = model.objects.filter(deliberation__evaluation_item__run_id=run_id).values_list(
            "deliberation_id",
            "member_index",
            "status",
            "class_key",
            "input_tokens",
            "output_tokens",
        )
        for deliberation_id, index, status, key, tokens_in, tokens_out in rows:
            getattr(records[deliberation_id], attribute)[index] = (
                status,
                key,
                tokens_in + tokens_out,
            )
    return sorted(records.values(), key=lambda r: r.row_index)


# --- summarising ----------------------------------------------------------------------------


def _interval(i: metrics.Interval) -> dict[str, float | int]:
    return {"rate": i.rate, "low": i.low, "high": i.high, "count": i.successes, "of": i.total}


def summarise(
    records: Sequence[CaseRecord],
    *,
    snapshot: dict[str, Any],
    wall_time_s: float,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The figures of an evaluation (the content of results.json) from its case records and
    the panel snapshot the cases ran on. Pure."""
    n_cases = len(records)
    members = snapshot["members"]
    n, q, f = snapshot["n"], snapshot["q"], snapshot["f"]
    faulty = {i for i, m in enumerate(members) if m.get("fault_mode")}
    honest = [i for i in range(len(members)) if i not in faulty]
    verdicts = [r.verdict for r in records]
    panel_rates = metrics.outcome_intervals(verdicts)

    member_rows = []
    for i, m in enumerate(members):
        correct = sum(r.member_correct(i) for r in records)
        valid = sum(1 for r in records if r.proposals.get(i, ("",))[0] == TurnStatus.OK)
        kinds = Counter(s for r in records for s, _, _ in _turns_of(r, i) if s in FAULT_STATUSES)
        won = sum(
            1
            for r in records
            if r.verdict != "none" and r.proposals.get(i, ("", ""))[1] == r.winner
        )
        member_rows.append(
            {
                "alias": m["alias"],
                "fault_mode": m.get("fault_mode", ""),
                "accuracy": correct / n_cases if n_cases else 0.0,
                "accuracy_ci": _interval(metrics.wilson(correct, n_cases)),
                "valid_proposals": valid,
                "accuracy_of_valid": correct / valid if valid else 0.0,
                "faults": dict(sorted(kinds.items())),
                "in_winning_class": won,
            }
        )

    # The exact table's model: honest members wrong independently with one rate.
    honest_valid = sum(
        1 for r in records for i in honest if r.proposals.get(i, ("",))[0] == TurnStatus.OK
    )
    honest_correct = sum(r.member_correct(i) for r in records for i in honest)
    p = 1 - honest_correct / honest_valid if honest_valid else 0.0
    wrong_answers = [
        [r.proposals[i][1] for i in honest if i in r.proposals and _wrong(r, i)] for r in records
    ]
    k_eff = metrics.effective_alternatives(wrong_answers)
    round1_as_votes = [_round1_verdict(r, q=q, f=f, members=len(members)) for r in records]
    reliability = _reliability(n=n, q=q, p=p, k_eff=k_eff, snapshot=snapshot, options=options)
    reliability["observed_panel"] = {k: v.rate for k, v in panel_rates.items()}
    reliability["observed_round1_as_votes"] = {
        k: v.rate for k, v in metrics.outcome_intervals(round1_as_votes).items()
    }

    errors = [[not r.member_correct(i) for r in records] for i in range(len(members))]
    complete = [
        [r.proposals[i][1] for i in range(len(members))]
        for r in records
        if all(r.proposals.get(i, ("",))[0] == TurnStatus.OK for i in range(len(members)))
    ]
    tokens = [float(r.tokens) for r in records]
    elapsed = [r.elapsed_s for r in records if r.elapsed_s is not None]
    by_pathology: dict[str, list[str]] = defaultdict(list)
    by_severity: dict[str, list[str]] = defaultdict(list)
    for r in records:
        by_pathology[r.pathology].append(r.verdict)
        by_severity[str(r.severity)].append(r.verdict)

    return {
        "n_cases": n_cases,
        "panel": {
            "name": snapshot["name"],
            "n": n,
            "q": q,
            "f": f,
            "agreement_level": snapshot["agreement_level"],
            "early_abort": snapshot["early_abort"],
            "early_decision": snapshot["early_decision"],
            "correct_consensus": panel_rates["correct"].rate,
            "wrong_consensus": panel_rates["wrong"].rate,
            "no_consensus": panel_rates["none"].rate,
            "intervals": {k: _interval(v) for k, v in panel_rates.items()},
            "failed": sum(1 for r in records if r.status == DeliberationStatus.FAILED),
            "reasons": dict(Counter(r.reason for r in records).most_common()),
            "tokens_per_case": metrics.mean(tokens),
            "tokens_median": metrics.quantile(tokens, 0.5),
            "tokens_p95": metrics.quantile(tokens, 0.95),
            "wall_time_per_case_s": metrics.mean(elapsed),
            "wall_time_p95_s": metrics.quantile(elapsed, 0.95),
            "faulted_members_per_case": metrics.mean([float(len(r.faulted())) for r in records]),
            "faults_by_kind": dict(
                sorted(
                    Counter(
                        s
                        for r in records
                        for t in (r.proposals, r.votes)
                        for s, _, _ in t.values()
                        if s in FAULT_STATUSES
                    ).items()
                )
            ),
            "fleiss_kappa_round1": metrics.fleiss_kappa(metrics.rating_table(complete))
            if complete
            else None,
            "fleiss_kappa_cases": len(complete),
        },
        "members": member_rows,
        "by_pathology": _grouped(by_pathology),
        "by_severity": _grouped(by_severity),
        "early_stop": _early_stop(records, members=len(members)),
        "reliability": reliability,
        "error_correlation": {
            "aliases": [m["alias"] for m in members],
            "matrix": metrics.error_correlation(errors),
        },
        "run": {
            **options,
            "wall_time_s": wall_time_s,
            "cases_per_s": n_cases / wall_time_s if wall_time_s > 0 else None,
        },
    }


def _turns_of(record: CaseRecord, index: int) -> list[tuple[str, str, int]]:
    return [t[index] for t in (record.proposals, record.votes) if index in t]


def _wrong(record: CaseRecord, index: int) -> bool:
    status, key, _ = record.proposals[index]
    return status == TurnStatus.OK and key not in record.truth


def _round1_verdict(record: CaseRecord, *, q: int, f: int, members: int) -> str:
    """The verdict had Round 1 answers been voted as they are (the exact table's model)."""
    keys = [k for s, k, _ in record.proposals.values() if s == TurnStatus.OK]
    faults = sum(1 for s, _, _ in record.proposals.values() if s in FAULT_STATUSES)
    decision = protocol.decide_as_voted(keys, q=q, f=f, faults=faults)
    if decision.winner is None:
        return "none"
    return "correct" if decision.winner in record.truth else "wrong"


def _grouped(groups: dict[str, list[str]]) -> list[dict[str, Any]]:
    rows = []
    for name, intervals in sorted(metrics.group_outcomes(groups).items()):
        rows.append(
            {
                "group": name,
                "cases": intervals["correct"].total,
                **{k: _interval(v) for k, v in intervals.items()},
            }
        )
    return rows


def _early_stop(records: Sequence[CaseRecord], *, members: int) -> dict[str, Any]:
    """How many cases skipped Round 2 (early abort) or cancelled votes (early decision), and
    the tokens that saved, estimated from the per-call tokens of the votes that did run."""
    skipped = [r for r in records if r.round2_skipped == "unanimous_round1"]
    vote_tokens = [float(t) for r in records for s, _, t in r.votes.values() if s == TurnStatus.OK]
    per_vote = metrics.mean(vote_tokens) if vote_tokens else None
    cancelled = sum(1 for r in records for s, _, _ in r.votes.values() if s == TurnStatus.CANCELLED)
    # A skipped case would have had every member that did not fault in Round 1 vote.
    would_vote = sum(
        sum(1 for s, _, _ in r.proposals.values() if s not in FAULT_STATUSES) for r in skipped
    )
    saved_abort = per_vote * would_vote if per_vote is not None else None
    saved_decision = per_vote * cancelled if per_vote is not None else None
    total = float(sum(r.tokens for r in records))
    saved = (saved_abort or 0.0) + (saved_decision or 0.0)
    return {
        "round2_skipped": len(skipped),
        "round2_skipped_rate": len(skipped) / len(records) if records else 0.0,
        "round2_run": sum(1 for r in records if r.votes),
        "votes_cancelled": cancelled,
        "tokens_per_vote_call": per_vote,
        "estimated_tokens_saved_by_early_abort": saved_abort,
        "estimated_tokens_saved_by_early_decision": saved_decision,
        "estimated_tokens_per_case_without_early_stop": (total + saved) / len(records)
        if records and per_vote is not None
        else None,
        "method": (
            "estimate: each skipped Round 2 is priced at the mean tokens of the Round 2 calls "
            "that ran, times the members that would have voted; each cancelled vote at the "
            "same mean. Measure exactly by running again with --no-early-abort "
            "--no-early-decision and comparing tokens_per_case."
        ),
    }


def _reliability(
    *,
    n: int,
    q: int,
    p: float,
    k_eff: float | None,
    snapshot: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """The exact table for the measured error rate. Members that crash, hang or return
    garbage take no part in the decision, so the table is for the members left; colluders are
    its ``b``."""
    absent = sum(int(options.get(kind, 0)) for kind in ("crash", "hang", "garbage"))
    b = int(options.get("byzantine", 0))
    voters = n - absent
    ks = [1, 3, 10]
    if k_eff is not None and math.isfinite(k_eff):
        ks.append(max(1, round(k_eff)))
    rows = []
    if 2 * q > voters >= q:
        for k in sorted(set(ks)):
            exact = quorum.reliability(n=voters, q=q, p=p, k=k, b=b)
            rows.append(
                {"k": k, "correct": exact.correct, "wrong": exact.wrong, "none": exact.none}
            )
    return {
        "p_single_member_error": p,
        "k_effective": k_eff if k_eff is None or math.isfinite(k_eff) else None,
        "voters": voters,
        "b": b,
        "exact": rows,
        "note": (
            "Exact table (independent members, Round 1 answers voted as they are) for the "
            "measured honest-member error rate; 'observed_round1_as_votes' applies the same "
            "rule to the actual Round 1 answers, 'observed_panel' is the real protocol with "
            "Round 2. Where observed exceeds exact, errors are correlated."
        ),
    }


# --- the whole run --------------------------------------------------------------------------


def evaluate(
    options: Options, *, progress: Progress | None = None
) -> tuple[EvaluationRun, dict[str, Any]]:
    """Prepare, run and summarise an evaluation; store the results on the run and return it
    with them. Raises what :func:`prepare` raises."""
    run = prepare(options)
    wall = async_to_sync(execute)(run.pk, concurrency=options.concurrency, progress=progress)
    results = results_for(run, wall_time_s=wall)
    run.results = results
    run.finished_at = timezone.now()
    run.save(update_fields=["results", "finished_at"])
    return run, results


def results_for(run: EvaluationRun, *, wall_time_s: float) -> dict[str, Any]:
    """Summarise a run from its stored rows. The snapshot of its first case stands for all
    (they differ only in the held-out rows and the colluders' target)."""
    records = collect(run.pk)
    first = run.items.select_related("deliberation").first()
    snapshot = first.deliberation.panel_snapshot if first else {}
    return summarise(records, snapshot=snapshot, wall_time_s=wall_time_s, options=run.options)
