"""Risk against coverage as the panel's ``min_confidence`` varies, from the stored Round 1
answers and Round 2 ballots of one run, and the calibrated choice of a threshold.

Each case is decided again by ``cases.protocol.decide`` itself at every threshold; nothing
is re-run. That is sound because raising ``min_confidence`` on fixed inputs never turns NO
CONSENSUS into a consensus nor changes the winner (the protocol's contract). It is
conservative where the threshold removes a candidate from the ballot: the votes stored for it
then count for nobody, where a live run would have let those members vote again.

The choice is "learn then test" with fixed-sequence testing: thresholds are tested from strict
to lenient against the null hypothesis "more than alpha of the decided cases are wrong", each
with the exact Clopper-Pearson bound at level delta, and the sequence stops at the first
threshold that fails; the last one that passed is the smallest threshold certified. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cases import metrics, protocol
from cases.evaluation.records import CaseRecord

THRESHOLDS = tuple(range(101))


@dataclass(frozen=True)
class Point:
    """The panel at one ``min_confidence``: how many of ``cases`` it decides, how many of
    those are wrong, the upper ``1 - delta`` bound on the wrong share among decided cases,
    and how many valid Round 1 answers count as abstentions at that threshold."""

    threshold: int
    cases: int
    decided: int
    wrong: int
    bound: float
    abstaining: int = 0

    @property
    def coverage(self) -> float:
        return self.decided / self.cases if self.cases else 0.0

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.decided if self.decided else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "threshold": self.threshold,
            "cases": self.cases,
            "decided": self.decided,
            "wrong": self.wrong,
            "coverage": self.coverage,
            "wrong_share": self.wrong_share,
            "bound": self.bound,
            "abstaining": self.abstaining,
        }


@dataclass(frozen=True)
class Selection:
    """The outcome of fixed-sequence testing: the chosen point (None when no threshold
    passed), the points tested in order, and how many decided cases a passing bound needs
    with no errors at all."""

    chosen: Point | None
    tested: tuple[Point, ...]
    needed: int


def decide_at(record: CaseRecord, *, q: int, f: int, min_confidence: int) -> protocol.Decision:
    """The case decided again from its stored answers and ballots at ``min_confidence``."""
    members = sorted(i for i in record.answers)
    position = {member: at for at, member in enumerate(members)}
    answers = [
        protocol.Answer(
            key=None if record.abstained(i) else record.proposals[i][1],
            confidence=record.answers[i][1],
        )
        for i in members
    ]
    votes: list[int | None] | None = None
    if record.ballots or (record.votes and not record.round2_skipped):
        votes = [
            position.get(target) if target is not None else None
            for _, target in sorted(record.ballots.items())
        ]
    return protocol.decide(
        q=q,
        f=f,
        faults=len(record.faulted()),
        answers=answers,
        votes=votes,
        min_confidence=min_confidence,
    )


def verdict_at(record: CaseRecord, *, q: int, f: int, min_confidence: int) -> str:
    """``correct``, ``wrong`` or ``none`` for the case at ``min_confidence``; a failed
    deliberation stays ``none``."""
    if record.status != "finished":
        return "none"
    decision = decide_at(record, q=q, f=f, min_confidence=min_confidence)
    if decision.winner is None:
        return "none"
    return "correct" if decision.winner in record.truth else "wrong"


def curve(
    records: Sequence[CaseRecord],
    *,
    q: int,
    f: int,
    delta: float,
    thresholds: Sequence[int] = THRESHOLDS,
) -> list[Point]:
    """One point per threshold, in the order given."""
    by_record = [_verdicts(r, q=q, f=f, thresholds=thresholds) for r in records]
    points = []
    for at, threshold in enumerate(thresholds):
        verdicts = [verdicts[at] for verdicts in by_record]
        decided = sum(1 for v in verdicts if v != "none")
        wrong = verdicts.count("wrong")
        abstaining = sum(r.abstentions() + r.below(threshold) for r in records)
        bound = metrics.clopper_pearson_upper(wrong, decided, delta=delta)
        points.append(Point(threshold, len(records), decided, wrong, bound, abstaining))
    return points


def _verdicts(record: CaseRecord, *, q: int, f: int, thresholds: Sequence[int]) -> list[str]:
    """:func:`verdict_at` at each threshold, deciding the case once per distinct set of
    confident answers rather than once per threshold. An answer of confidence c counts up
    to threshold c and not from c + 1, so the verdict can change only at the cuts c + 1;
    every threshold is decided as the largest cut at or below it (or 0)."""
    cuts = sorted({(confidence or 0) + 1 for _, confidence in record.answers.values()})
    decided: dict[int, str] = {}
    result = []
    for threshold in thresholds:
        cut = max((c for c in cuts if c <= threshold), default=0)
        if cut not in decided:
            decided[cut] = verdict_at(record, q=q, f=f, min_confidence=cut)
        result.append(decided[cut])
    return result


def distinct(points: Sequence[Point]) -> list[Point]:
    """The points where the decided or wrong count changes, from the most lenient
    threshold up (each stands for the thresholds up to the next one)."""
    ordered = sorted(points, key=lambda p: p.threshold)
    kept: list[Point] = []
    for point in ordered:
        if not kept or (point.decided, point.wrong) != (kept[-1].decided, kept[-1].wrong):
            kept.append(point)
    return kept


def select(points: Sequence[Point], *, alpha: float, delta: float) -> Selection:
    """Fixed-sequence testing from the strictest threshold to the most lenient.

    Thresholds that decide fewer cases than a bound at or under ``alpha`` needs even with no
    error (:func:`cases.metrics.trials_needed`) are not tested: no outcome could make them
    pass, so they say nothing about the panel's errors; the sequence starts at the strictest
    threshold with enough decided cases, and stops at the first whose bound exceeds ``alpha``.
    """
    needed = metrics.trials_needed(alpha=alpha, delta=delta)
    tested: list[Point] = []
    chosen = None
    for point in sorted(points, key=lambda p: p.threshold, reverse=True):
        if point.decided < needed:
            continue
        tested.append(point)
        if point.bound > alpha:
            break
        chosen = point
    return Selection(chosen=chosen, tested=tuple(tested), needed=needed)
