"""The Bayesian reasoner of the offline engine: naive Bayes over DDXPlus findings, trained on a
seeded bootstrap of the development rows, smoothed by the knowledge base's own listing of
findings per condition. Cached per (knowledge base, seed, excluded rows). Pure module.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from panels.offline import knowledge, methods

# Pseudo-counts of the knowledge-base prior that smooths every likelihood, so a condition
# missing from a bootstrap sample still ranks by the findings the KB lists for it.
PRIOR_WEIGHT = 2.0
KB_LISTED, KB_UNLISTED, KB_VALUE = 0.5, 0.02, 0.1
ABSENCE_FULL_AT = 20.0  # findings after which unmentioned ones count fully as absent


@dataclass(frozen=True, eq=False)
class Model:
    """A trained member: per-condition log prior, Bernoulli log-likelihoods for every
    evidence feature, and categorical log-likelihoods for age band and sex."""

    conditions: tuple[knowledge.Condition, ...]
    log_prior: tuple[float, ...]
    log_p: Mapping[str, tuple[float, ...]]
    log_not_p: Mapping[str, tuple[float, ...]]
    log_all_absent: tuple[float, ...]
    log_demographic: Mapping[str, tuple[float, ...]]
    rows_used: int


@dataclass(frozen=True)
class Ranking:
    """Conditions best first, with posteriors, and the features that were scored."""

    conditions: tuple[knowledge.Condition, ...]
    posteriors: tuple[float, ...]
    features: Mapping[str, str]  # feature -> the finding token it came from


def demographics(age: int | None, sex: str | None) -> list[str]:
    """Demographic features for what the text states; nothing for what it does not."""
    found = []
    if age is not None:
        found.append(f"age:{methods.age_band(age)}")
    if sex in ("F", "M"):
        found.append(f"sex:{sex}")
    return found


def bootstrap(count: int, *, seed: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """A bootstrap sample (with replacement) of the row indices not in ``exclude``."""
    pool = [i for i in range(count) if i not in exclude]
    rng = random.Random(seed)
    return [pool[rng.randrange(len(pool))] for _ in pool] if pool else []


def train(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int] = frozenset()
) -> Model:
    """The model for one member: cached per (knowledge base, seed, excluded rows)."""
    return _train(kb, seed, frozenset(exclude))


@lru_cache(maxsize=64)
def _train(kb: knowledge.KnowledgeBase, seed: int, exclude: frozenset[int]) -> Model:
    conditions = tuple(kb.conditions.values())
    index = {c.name: i for i, c in enumerate(conditions)}
    listed = {c.name: c.findings for c in conditions}
    n = len(conditions)
    totals = [0] * n
    counts: dict[str, list[int]] = {}
    for row_index in bootstrap(len(kb.rows), seed=seed, exclude=exclude):
        row = kb.rows[row_index]
        c = index[row.pathology]
        totals[c] += 1
        row_features = [*methods.features(row.evidences, kb=kb), *demographics(row.age, row.sex)]
        for feature in row_features:
            counts.setdefault(feature, [0] * n)[c] += 1
    for condition in conditions:
        for code in listed[condition.name]:
            counts.setdefault(code, [0] * n)  # KB-listed findings are scored even if unseen
    log_p: dict[str, tuple[float, ...]] = {}
    log_not_p: dict[str, tuple[float, ...]] = {}
    log_demographic: dict[str, tuple[float, ...]] = {}
    for feature, per_class in counts.items():
        if feature.startswith(("age:", "sex:")):
            bands = len(methods.AGE_CUTS) + 1 if feature.startswith("age:") else 2
            log_demographic[feature] = tuple(
                math.log((per_class[c] + 1) / (totals[c] + bands)) for c in range(n)
            )
            continue
        code = feature.split("_@_")[0].split(":")[0]
        probabilities = []
        for c, condition in enumerate(conditions):
            prior = KB_UNLISTED
            if code in listed[condition.name]:
                prior = KB_LISTED if feature == code else KB_VALUE
            p = (per_class[c] + PRIOR_WEIGHT * prior) / (totals[c] + PRIOR_WEIGHT)
            probabilities.append(p)
        log_p[feature] = tuple(math.log(p) for p in probabilities)
        log_not_p[feature] = tuple(math.log1p(-p) for p in probabilities)
    total = sum(totals)
    log_prior = tuple(math.log((totals[c] + 1) / (total + n)) for c in range(n))
    all_absent = tuple(sum(column) for column in zip(*log_not_p.values(), strict=True))
    return Model(conditions, log_prior, log_p, log_not_p, all_absent, log_demographic, total)


def rank(
    model: Model,
    present: Mapping[str, str],
    demographic: Sequence[str] = (),
    *,
    absent: Collection[str] = (),
) -> Ranking:
    """Rank every condition for the ``present`` features (all others count as absent in
    proportion to how much was said, the ``absent`` ones fully) and the stated
    ``demographic`` features. Posteriors are normalised over the 49 conditions."""
    # A short note names a few findings and is silent on the rest, whereas a full history
    # lists everything present: silence counts as absence in proportion to how much was said.
    known = [f for f in present if f in model.log_p]
    weight = min(1.0, len(known) / ABSENCE_FULL_AT)
    scores = [p + weight * a for p, a in zip(model.log_prior, model.log_all_absent, strict=True)]
    for feature in known:
        pairs = zip(model.log_p[feature], model.log_not_p[feature], strict=True)
        for c, (log_p, log_not_p) in enumerate(pairs):
            scores[c] += log_p - weight * log_not_p
    for feature in absent:
        if feature in model.log_p and feature not in present:
            for c, log_not_p in enumerate(model.log_not_p[feature]):
                scores[c] += (1 - weight) * log_not_p
    for feature in demographic:
        for c, value in enumerate(model.log_demographic.get(feature, ())):
            scores[c] += value
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    order = sorted(range(len(scores)), key=lambda c: (-scores[c], model.conditions[c].name))
    return Ranking(
        conditions=tuple(model.conditions[c] for c in order),
        posteriors=tuple(weights[c] / total for c in order),
        features={f: t for f, t in present.items() if f in model.log_p},
    )
