"""The figures of an evaluation (the content of results.json) from its case records: the
panel's outcomes, in and out of scope, abstentions, the risk-coverage curve, each member,
groups, early stopping, the exact reliability table beside the observed rates, and whether a
row could have been in the members' training. Pure."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from cases import metrics, protocol
from cases.evaluation import risk
from cases.evaluation.records import CaseRecord
from cases.models import FAULT_STATUSES, DeliberationStatus, TurnStatus
from panels import quorum

RISK_DELTA = 0.05
# Per-case lists kept on the run for cases.jsonl, too long for the results' "run" section.
NOT_IN_RUN = ("case_ids", "in_training")


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
    members = snapshot["members"]
    panel_rates = metrics.outcome_intervals([r.verdict for r in records])
    errors = [[not r.member_correct(i) for r in records] for i in range(len(members))]
    by_pathology: dict[str, list[str]] = defaultdict(list)
    by_severity: dict[str, list[str]] = defaultdict(list)
    for r in records:
        by_pathology[r.pathology].append(r.verdict)
        by_severity[str(r.severity)].append(r.verdict)
    return {
        "n_cases": len(records),
        "panel": _panel(records, snapshot=snapshot, rates=panel_rates),
        "members": [_member(records, i, m) for i, m in enumerate(members)],
        "by_pathology": _grouped(by_pathology),
        "by_severity": _grouped(by_severity),
        "early_stop": _early_stop(records, members=len(members)),
        "reliability": _observed_reliability(
            records, snapshot=snapshot, options=options, rates=panel_rates
        ),
        "error_correlation": {
            "aliases": [m["alias"] for m in members],
            "matrix": metrics.error_correlation(errors),
        },
        "scope": _scopes(records),
        "abstention": _abstention(records, min_confidence=snapshot.get("min_confidence", 0)),
        "risk_coverage": risk_coverage(records, snapshot=snapshot, delta=RISK_DELTA),
        "training": _training(records, options=options),
        "run": {
            **{k: v for k, v in options.items() if k not in NOT_IN_RUN},
            "wall_time_s": wall_time_s,
            "cases_per_s": len(records) / wall_time_s if wall_time_s > 0 else None,
        },
    }


def _member(records: Sequence[CaseRecord], i: int, member: dict[str, Any]) -> dict[str, Any]:
    n_cases = len(records)
    correct = sum(r.member_correct(i) for r in records)
    valid = sum(1 for r in records if r.proposals.get(i, ("",))[0] == TurnStatus.OK)
    kinds = Counter(s for r in records for s, _, _ in _turns_of(r, i) if s in FAULT_STATUSES)
    won = sum(
        1 for r in records if r.verdict != "none" and r.proposals.get(i, ("", ""))[1] == r.winner
    )
    return {
        "alias": member["alias"],
        "fault_mode": member.get("fault_mode", ""),
        "accuracy": correct / n_cases if n_cases else 0.0,
        "accuracy_ci": _interval(metrics.wilson(correct, n_cases)),
        "valid_proposals": valid,
        "accuracy_of_valid": correct / valid if valid else 0.0,
        "faults": dict(sorted(kinds.items())),
        "in_winning_class": won,
    }


def _panel(
    records: Sequence[CaseRecord], *, snapshot: dict[str, Any], rates: dict[str, metrics.Interval]
) -> dict[str, Any]:
    size = len(snapshot["members"])
    complete = [
        [r.proposals[i][1] for i in range(size)]
        for r in records
        if all(r.proposals.get(i, ("",))[0] == TurnStatus.OK for i in range(size))
    ]
    tokens = [float(r.tokens) for r in records]
    elapsed = [r.elapsed_s for r in records if r.elapsed_s is not None]
    faults = Counter(
        s
        for r in records
        for t in (r.proposals, r.votes)
        for s, _, _ in t.values()
        if s in FAULT_STATUSES
    )
    return {
        **{key: snapshot[key] for key in ("name", "n", "q", "f", "agreement_level")},
        "early_abort": snapshot["early_abort"],
        "early_decision": snapshot["early_decision"],
        "correct_consensus": rates["correct"].rate,
        "wrong_consensus": rates["wrong"].rate,
        "no_consensus": rates["none"].rate,
        "intervals": {k: _interval(v) for k, v in rates.items()},
        "failed": sum(1 for r in records if r.status == DeliberationStatus.FAILED),
        "reasons": dict(Counter(r.reason for r in records).most_common()),
        "tokens_per_case": metrics.mean(tokens),
        "tokens_median": metrics.quantile(tokens, 0.5),
        "tokens_p95": metrics.quantile(tokens, 0.95),
        "wall_time_per_case_s": metrics.mean(elapsed),
        "wall_time_p95_s": metrics.quantile(elapsed, 0.95),
        "faulted_members_per_case": metrics.mean([float(len(r.faulted())) for r in records]),
        "faults_by_kind": dict(sorted(faults.items())),
        "fleiss_kappa_round1": metrics.fleiss_kappa(metrics.rating_table(complete))
        if complete
        else None,
        "fleiss_kappa_cases": len(complete),
    }


def _observed_reliability(
    records: Sequence[CaseRecord],
    *,
    snapshot: dict[str, Any],
    options: dict[str, Any],
    rates: dict[str, metrics.Interval],
) -> dict[str, Any]:
    """The exact table's model (honest members wrong independently with one rate) fitted to
    the run, beside the observed rates."""
    members = snapshot["members"]
    n, q, f = snapshot["n"], snapshot["q"], snapshot["f"]
    honest = [i for i, m in enumerate(members) if not m.get("fault_mode")]
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
    reliability["observed_panel"] = {k: v.rate for k, v in rates.items()}
    reliability["observed_round1_as_votes"] = {
        k: v.rate for k, v in metrics.outcome_intervals(round1_as_votes).items()
    }
    return reliability


def _turns_of(record: CaseRecord, index: int) -> list[tuple[str, str, int]]:
    return [t[index] for t in (record.proposals, record.votes) if index in t]


def _wrong(record: CaseRecord, index: int) -> bool:
    status, key, _ = record.proposals[index]
    return status == TurnStatus.OK and key not in record.truth and not record.abstained(index)


def _round1_verdict(record: CaseRecord, *, q: int, f: int, members: int) -> str:
    """The verdict had Round 1 answers been voted as they are (the exact table's model)."""
    answers = [
        protocol.Answer(
            key=None if record.abstained(i) else record.proposals[i][1], confidence=confidence
        )
        for i, (_, confidence) in sorted(record.answers.items())
    ]
    faults = sum(1 for s, _, _ in record.proposals.values() if s in FAULT_STATUSES)
    # Every member votes for its own answer; an abstention votes for nobody.
    votes = [i if answer.key is not None else None for i, answer in enumerate(answers)]
    decision = protocol.decide(q=q, f=f, faults=faults, answers=answers, votes=votes)
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


def _scopes(records: Sequence[CaseRecord]) -> dict[str, Any]:
    """Outcomes of in-scope cases (a right class exists) and out-of-scope ones (the right
    outcome is NO CONSENSUS, so any consensus is wrong), each with its intervals."""
    result = {}
    for name, chosen in (
        ("in_scope", [r for r in records if r.in_scope]),
        ("out_of_scope", [r for r in records if not r.in_scope]),
    ):
        rates = metrics.outcome_intervals([r.verdict for r in chosen])
        result[name] = {"cases": len(chosen), **{k: _interval(v) for k, v in rates.items()}}
    return result


def _abstention(records: Sequence[CaseRecord], *, min_confidence: int) -> dict[str, Any]:
    """How often members abstained: explicit abstentions among valid Round 1 answers, and
    answers that count as abstentions because their confidence is below the panel's
    threshold; cases decided ``insufficient_information``."""
    answers = sum(len(r.answers) for r in records)
    abstained = sum(r.abstentions() for r in records)
    below = sum(r.below(min_confidence) for r in records)
    return {
        "min_confidence": min_confidence,
        "answers": answers,
        "abstentions": abstained,
        "rate": abstained / answers if answers else 0.0,
        "below_threshold": below,
        "below_threshold_rate": below / answers if answers else 0.0,
        "cases_with_abstention": sum(1 for r in records if r.abstentions()),
        "insufficient_information": sum(
            1 for r in records if r.reason == "insufficient_information"
        ),
    }


def risk_coverage(
    records: Sequence[CaseRecord], *, snapshot: dict[str, Any], delta: float
) -> dict[str, Any]:
    """The risk-coverage curve: decided share against wrong share among decided cases, and
    its exact upper bound, at every ``min_confidence`` from 0 to 100, re-decided from the
    stored answers and ballots (only the thresholds where something changes are kept)."""
    q, f = snapshot.get("q", 0), snapshot.get("f", 0)
    points = risk.curve(records, q=q, f=f, delta=delta) if records and q else []
    return {
        "delta": delta,
        "run_min_confidence": snapshot.get("min_confidence", 0),
        "points": [p.as_dict() for p in risk.distinct(points)],
        "note": (
            "Each case decided again by cases.protocol.decide at each threshold from its "
            "stored Round 1 answers and Round 2 ballots, without re-running; a vote for a "
            "proposal below the threshold then counts for nobody (conservative). 'bound' is "
            "the exact one-sided upper Clopper-Pearson bound at 1 - delta on the wrong share "
            "among decided cases."
        ),
    }


def _training(records: Sequence[CaseRecord], *, options: dict[str, Any]) -> dict[str, Any]:
    """Whether evaluated rows could have been in the members' training rows."""
    if options.get("case_ids"):
        return {
            "kind": "free_text",
            "possibly_in_training": None,
            "of": len(records),
            "note": "Free-text cases are not DDXPlus rows; members train on rows only.",
        }
    seen = set(options.get("in_training", []))
    count = sum(1 for r in records if r.row_index in seen)
    return {
        "kind": "rows",
        "possibly_in_training": count,
        "of": len(records),
        "folds": options.get("folds", 0),
        "note": (
            "Members train on the rows of DDXPLUS_DIR's dev_patients.csv. A row of that file "
            "is held out of its judges' training when folds > 1; a row of another CSV could "
            "have been in training when an identical row (age, sex, pathology, evidences, "
            "initial evidence) is in the training file."
        ),
    }
