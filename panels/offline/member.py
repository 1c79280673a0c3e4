"""One offline panel member: it reads the case (``extraction.read``), decides whether the case is
within its scope, ranks the 49 conditions with its method, and answers Round 1 (a proposal or an
abstention) and Round 2 (a vote by merit or an abstention) as protocol JSON, in words.

Scope: a member abstains when the text reads as instructions, is not a clinical case, states too
few findings its knowledge base can weigh, says more in clinical words it does not know than in
findings it does, or when its best explanation is weak. It never names a rare, travel-bound
condition (``Condition.exposures``) without the exposure stated. Its confidence is a calibrated
probability of being right, fitted on held-out rows it did not train on. Pure: no Django.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from panels.offline import bayes, extraction, knowledge, rendering

ENGINE = "Offline reference engine (naive Bayes over DDXPlus findings; not for clinical use)."
VIEWS = ("all", "symptoms")  # "symptoms": ignores history, risk factors and demographics
MIN_FINDINGS = 3  # weighable findings below which a member abstains
UNWEIGHED_SHARE = 0.4  # share of clinical words it cannot weigh at which it abstains
MIN_PROBABILITY = 0.5  # calibrated probability below which the best explanation is weak
VOTE_FLOOR = 0.15  # posterior under its own model a proposal needs for this member's vote
CALIBRATION_ROWS = 400
KEEP_RANGE = (0.15, 0.6)  # share of a held-out row's findings a calibration case keeps
DISTRACTORS = 2  # at most this many findings of another row added, as free text misreads
SHOWN = 6


class Calibrator:
    """Isotonic (pool-adjacent-violators) map from a posterior to the observed frequency of
    being right; ``n`` is how many held-out cases it was fitted on."""

    def __init__(self, scores: Sequence[float], correct: Sequence[bool]) -> None:
        blocks: list[list[float]] = []  # [sum correct, count, max score]
        for score, right in sorted(zip(scores, correct, strict=True)):
            blocks.append([float(right), 1.0, score])
            while (
                len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]
            ):
                last = blocks.pop()
                blocks[-1] = [blocks[-1][0] + last[0], blocks[-1][1] + last[1], last[2]]
        self.steps = [(b[2], (b[0] + 1) / (b[1] + 2)) for b in blocks]  # Laplace-smoothed
        self.n = len(scores)

    def __call__(self, score: float) -> float:
        for ceiling, probability in self.steps:
            if score <= ceiling:
                return probability
        return self.steps[-1][1] if self.steps else score


@dataclass(frozen=True)
class Assessment:
    """What a member made of a case: its reading, the ranking (exposure-bound conditions
    without their exposure removed), the calibrated probability that the top one is right, and
    why it would abstain (None when it answers)."""

    reading: extraction.Reading
    ranking: bayes.Ranking
    probability: float
    abstain_because: str | None
    excluded: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    """A member of the offline panel: the Bayesian reasoner on its own bootstrap sample
    (``seed``, minus the ``holdout`` rows) with a ``view`` of the evidence."""

    kb: knowledge.KnowledgeBase
    seed: int
    holdout: frozenset[int]
    view: str = "all"

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"Unknown view {self.view!r}: use one of {', '.join(VIEWS)}.")

    @property
    def model(self) -> bayes.Model:
        return bayes.train(self.kb, seed=self.seed, exclude=self.holdout)

    @property
    def calibrator(self) -> Calibrator:
        return calibrate(self.kb, seed=self.seed, exclude=self.holdout, view=self.view)

    def _features(
        self, tokens: frozenset[str], age: int | None, sex: str | None
    ) -> tuple[dict[str, str], list[str]]:
        if self.view == "symptoms":
            kept = [t for t in tokens if not self.kb.evidences[t.split("_@_")[0]].is_antecedent]
            return bayes.features(kept, kb=self.kb), []
        return bayes.features(tokens, kb=self.kb), bayes.demographics(age, sex)

    def assess(self, text: str) -> Assessment:
        return _assess(self, text)

    def propose(self, text: str) -> dict[str, Any]:
        """The Round 1 answer: a proposal, or an abstention with the reason in words."""
        a = self.assess(text)
        names = [c.display_name for c in a.ranking.conditions[:4]]
        if a.abstain_because:
            reasoning = f"{ENGINE} I abstain: {a.abstain_because} {self._explain(a)}"
            return {
                "abstain": True,
                "diagnosis": None,
                "icd10": None,
                "confidence": None,
                "reasoning": reasoning,
                "differential": names[:3] if a.reading.present else [],
            }
        top = a.ranking.conditions[0]
        return {
            "diagnosis": top.display_name,
            "icd10": top.code,
            "confidence": max(1, min(99, round(a.probability * 100))),
            "reasoning": f"{ENGINE} {self._explain(a)}",
            "differential": names[1:],
        }

    def vote(self, text: str, ballot: Sequence[Any]) -> dict[str, Any]:
        """The Round 2 answer: the ballot entry that best explains the stated findings under
        this member's model, or an abstention when none does (or the case is out of scope)."""
        a = self.assess(text)
        if a.abstain_because and not a.ranking.features:
            return {"vote": None, "reasoning": f"I abstain: {a.abstain_because}"}
        posterior = dict(zip(a.ranking.conditions, a.ranking.posteriors, strict=True))
        scored = []
        for entry in ballot:
            condition = match(entry, tuple(self.kb.conditions.values()))
            merit = posterior.get(condition, 0.0) if condition else -1.0
            scored.append((merit, entry, condition))
        scored.sort(key=lambda item: -item[0])
        summary = "; ".join(
            f"{e.letter} {c.display_name if c else e.diagnosis}: "
            + (f"{m:.0%}" if c else "not a condition I know")
            for m, e, c in scored
        )
        if not scored or scored[0][0] < VOTE_FLOOR or a.abstain_because:
            why = a.abstain_because or "no proposal explains the stated findings well enough"
            return {"vote": None, "reasoning": f"I abstain: {why} (under my model: {summary})."}
        merit, best, condition = scored[0]
        assert condition is not None  # a positive merit comes from a matched condition
        return {
            "vote": best.letter,
            "reasoning": f"{condition.display_name} (proposal {best.letter}) explains the stated "
            f"findings best under my model ({summary}).",
        }

    def _explain(self, a: Assessment) -> str:
        kb, r = self.kb, a.reading
        parts = []
        if r.present:
            shown = [
                f"{rendering.finding_text(f.token, kb=kb)} (from '{f.source}')"
                for f in r.present[:20]
            ]
            parts.append(f"Understood: {'; '.join(dict.fromkeys(shown))}.")
        else:
            parts.append("No finding of my knowledge base was recognised.")
        if r.absent:
            shown = [
                f"{rendering.finding_text(f.token, kb=kb)} (from '{f.source}')" for f in r.absent
            ]
            parts.append(f"Stated absent: {'; '.join(dict.fromkeys(shown))}.")
        if r.set_aside:
            parts.append(f"Set aside: {'; '.join(r.set_aside)}.")
        if r.unweighed:
            parts.append(
                f"Not understood (clinical words outside my knowledge base): "
                f"{', '.join(r.unweighed)}."
            )
        if r.investigations:
            parts.append(f"Tests named, not weighed: {', '.join(r.investigations)}.")
        if a.excluded:
            parts.append(f"Not considered without the required exposure: {', '.join(a.excluded)}.")
        if self.view == "symptoms":
            parts.append("This member weighs symptoms only, not history or demographics.")
        if a.ranking.features:
            top = a.ranking.conditions[0]
            drivers = _drivers(kb, self.model, a.ranking, top)
            following = [
                f"{c.display_name} ({p:.0%})"
                for c, p in zip(a.ranking.conditions[1:4], a.ranking.posteriors[1:4], strict=True)
            ]
            parts.append(
                f"Best explanation {top.display_name}, favoured by "
                f"{'; '.join(drivers) or 'no finding in particular'}; model posterior "
                f"{a.ranking.posteriors[0]:.0%}, calibrated probability of being right "
                f"{a.probability:.0%} (fitted on {self.calibrator.n} held-out cases); next: "
                f"{', '.join(following)}."
            )
        return " ".join(parts)


@lru_cache(maxsize=2048)
def _assess(member: Member, text: str) -> Assessment:
    reading = extraction.read(text, kb=member.kb)
    present, demographic = member._features(reading.tokens, reading.age, reading.sex)
    absent = bayes.features(reading.absent_tokens, kb=member.kb)
    full = bayes.rank(member.model, present, demographic, absent=list(absent))
    ranking, excluded = _without_unexposed(full, reading.tokens)
    probability = member.calibrator(ranking.posteriors[0]) if ranking.features else 0.0
    return Assessment(
        reading, ranking, probability, _scope(reading, ranking, probability), excluded
    )


def _scope(reading: extraction.Reading, ranking: bayes.Ranking, probability: float) -> str | None:
    """Why the case is outside what this member can judge, in words; None when it is not."""
    known = len(ranking.features)
    if reading.instruction:
        return "the text addresses the model with instructions instead of describing a patient."
    if not known and not reading.unweighed and not reading.absent and not reading.vitals:
        return "this does not read as a clinical case: I found no symptom, sign or history in it."
    unknown = len(reading.unweighed)
    if unknown >= 2 and unknown / (unknown + known) >= UNWEIGHED_SHARE:
        return (
            f"most of what the text says is outside my knowledge base of 49 conditions "
            f"({unknown} clinical words I cannot weigh against {known} findings I can)."
        )
    if known < MIN_FINDINGS:
        return (
            f"the text states only {known} finding{'s' if known != 1 else ''} my knowledge "
            f"base can weigh; I need at least {MIN_FINDINGS}."
        )
    if probability < MIN_PROBABILITY:
        top = ranking.conditions[0].display_name
        return (
            f"my best explanation, {top}, is weak (calibrated probability "
            f"{probability:.0%} of being right)."
        )
    return None


def _without_unexposed(
    ranking: bayes.Ranking, tokens: frozenset[str]
) -> tuple[bayes.Ranking, tuple[str, ...]]:
    kept = [
        (c, p)
        for c, p in zip(ranking.conditions, ranking.posteriors, strict=True)
        if not c.exposures or c.exposures & tokens
    ]
    excluded = tuple(
        c.display_name for c in ranking.conditions[:5] if c.exposures and not c.exposures & tokens
    )
    total = sum(p for _, p in kept) or 1.0
    return bayes.Ranking(
        tuple(c for c, _ in kept), tuple(p / total for _, p in kept), ranking.features
    ), excluded


def _drivers(
    kb: knowledge.KnowledgeBase,
    model: bayes.Model,
    ranking: bayes.Ranking,
    top: knowledge.Condition,
) -> list[str]:
    """The present findings that most favour ``top`` over the average condition, in words."""
    c = model.conditions.index(top)
    weighed = []
    for feature, token in ranking.features.items():
        log_p = model.log_p[feature]
        lift = log_p[c] - sum(log_p) / len(log_p)
        if lift > 0:
            weighed.append((-lift, rendering.finding_text(token, kb=kb)))
    return list(dict.fromkeys(words for _, words in sorted(weighed)))[:SHOWN]


@lru_cache(maxsize=64)
def calibrate(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int], view: str
) -> Calibrator:
    """The calibrator of one member, fitted on rows out of its bootstrap sample (and out of
    ``exclude``), each with a random share of its findings left out as free text omits them."""
    sample = set(bayes.bootstrap(len(kb.rows), seed=seed, exclude=exclude))
    held = [i for i in range(len(kb.rows)) if i not in sample and i not in exclude]
    rng = random.Random(seed)
    rng.shuffle(held)
    member = Member(kb, seed=seed, holdout=exclude, view=view)
    scores, correct = [], []
    for index in held[:CALIBRATION_ROWS]:
        row = kb.rows[index]
        keep = rng.uniform(*KEEP_RANGE)
        tokens = [t for t in row.evidences if rng.random() < keep]
        other = kb.rows[rng.randrange(len(kb.rows))].evidences
        tokens += rng.sample(other, min(len(other), rng.randint(0, DISTRACTORS)))
        present, demographic = member._features(frozenset([row.initial, *tokens]), row.age, row.sex)
        ranking, _ = _without_unexposed(
            bayes.rank(member.model, present, demographic), frozenset(tokens)
        )
        scores.append(ranking.posteriors[0])
        correct.append(ranking.conditions[0].name == row.pathology)
    return Calibrator(scores, correct)


def match(entry: Any, conditions: Sequence[knowledge.Condition]) -> knowledge.Condition | None:
    """The KB condition a ballot entry names (by name, then ICD-10 code exact, then
    category), or None."""
    name = _fold(entry.diagnosis)
    for condition in conditions:
        if name in (_fold(condition.name), _fold(condition.display_name)):
            return condition
    code = (entry.icd10 or "").strip().upper().replace(".", "")
    if not code:
        return None
    for exact in (True, False):
        for condition in conditions:
            own = (condition.code or "").replace(".", "")
            if own and (own == code if exact else own[:3] == code[:3]):
                return condition
    return None


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("é", "e").split())
