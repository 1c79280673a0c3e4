"""The Bayesian reasoner of the offline engine: naive Bayes over DDXPlus findings, trained on a
seeded bootstrap of the development rows, smoothed by the knowledge base's own listing of
findings per condition. Cached per (knowledge base, seed, excluded rows). Pure module.

What a text does not mention is weighed by a mention model. A full questionnaire (a DDXPlus
row: ``closed``) asked everything, so a finding it does not list is absent. A note (open
world) mentions a finding that is present only with some probability ``m``, so under a
condition that has the finding with probability ``p`` the note is silent about it with
probability ``1 - p m``: silence weighs at most ``log(1 - m)`` against any condition, never
the unbounded ``log(1 - p)`` of a closed world. ``m`` grows with how much the note says
(``ABSENCE_FULL_AT``), and is 0 for a sub-question that only characterises another finding
(the colour of a rash, the place of a pain): a note that does not describe it says nothing
of it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from panels.offline import knowledge, methods

# Pseudo-counts of the knowledge-base prior that smooths every likelihood, so a condition
# missing from a bootstrap sample still ranks by the findings the KB lists for it.
PRIOR_WEIGHT = 2.0
KB_LISTED, KB_UNLISTED, KB_VALUE = 0.5, 0.02, 0.1
ABSENCE_FULL_AT = 20.0  # stated findings after which a note mentions what is present


@dataclass(frozen=True, eq=False)
class Model:
    """A trained member: per-condition log prior, Bernoulli log-likelihoods for every
    evidence feature, and categorical log-likelihoods for age band and sex."""

    conditions: tuple[knowledge.Condition, ...]
    log_prior: tuple[float, ...]
    log_p: Mapping[str, tuple[float, ...]]
    log_not_p: Mapping[str, tuple[float, ...]]
    log_demographic: Mapping[str, tuple[float, ...]]
    rows_used: int
    columns: Mapping[str, int]  # feature -> row of ``p``
    p: Any  # (features x conditions) probability of each feature under each condition
    mentionable: Any  # (features,) 1.0, or 0.0 for a sub-question that characterises another


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
        code = _code(feature)
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
    columns = {feature: i for i, feature in enumerate(log_p)}
    likelihood = np.exp(np.array([log_p[f] for f in columns], dtype=float).reshape(-1, n))
    evidences = kb.evidences
    mentionable = np.array(
        [0.0 if evidences[_code(f)].characterises else 1.0 for f in columns], dtype=float
    )
    return Model(
        conditions,
        log_prior,
        log_p,
        log_not_p,
        log_demographic,
        total,
        columns,
        likelihood,
        mentionable,
    )


def _code(feature: str) -> str:
    return feature.split("_@_")[0].split(":")[0]


def rank(
    model: Model,
    present: Mapping[str, str],
    demographic: Sequence[str] = (),
    *,
    absent: Collection[str] = (),
    closed: bool = False,
) -> Ranking:
    """Rank every condition for the ``present`` features, the ``absent`` ones (stated absent)
    and the stated ``demographic`` features; every other feature is unmentioned, weighed by
    the mention model (module docstring; ``closed``: the input is a full questionnaire, so
    unmentioned means absent). Posteriors are normalised over the 49 conditions."""
    known = [f for f in present if f in model.log_p]
    denied = [f for f in absent if f in model.log_p and f not in present]
    mention = mention_probability(model, len(known), closed=closed)
    silent = np.log1p(-model.p * mention[:, None])  # (features x conditions)
    scores = np.array(model.log_prior) + silent.sum(axis=0)
    for feature in known:
        scores += np.array(model.log_p[feature]) - silent[model.columns[feature]]
    for feature in denied:
        scores += np.array(model.log_not_p[feature]) - silent[model.columns[feature]]
    for feature in demographic:
        if feature in model.log_demographic:
            scores += np.array(model.log_demographic[feature])
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    order = sorted(range(len(scores)), key=lambda c: (-scores[c], model.conditions[c].name))
    return Ranking(
        conditions=tuple(model.conditions[c] for c in order),
        posteriors=tuple(float(weights[c]) for c in order),
        features={f: t for f, t in present.items() if f in model.log_p},
    )


def mention_probability(model: Model, stated: int, *, closed: bool) -> Any:
    """Per feature, the probability that the input mentions it when it is present: 1 for a
    full questionnaire (``closed``); for a note, ``stated / ABSENCE_FULL_AT`` (at most 1),
    and 0 for a sub-question that characterises another finding."""
    if closed:
        return np.ones(len(model.columns))
    return model.mentionable * min(1.0, stated / ABSENCE_FULL_AT)


def drivers(
    model: Model,
    ranking: Ranking,
    top: knowledge.Condition,
    *,
    kb: knowledge.KnowledgeBase,
    shown: int,
) -> list[str]:
    """Up to ``shown`` present findings that most favour ``top`` over the average condition,
    in words (["none stands out"] when none does)."""
    c = model.conditions.index(top)
    weighed = []
    for feature, token in ranking.features.items():
        log_p = model.log_p[feature]
        lift = log_p[c] - sum(log_p) / len(log_p)
        if lift > 0:
            weighed.append((-lift, knowledge.finding_text(token, kb=kb)))
    return list(dict.fromkeys(words for _, words in sorted(weighed)))[:shown] or ["none stands out"]
