"""A profile-matching reasoner: each condition's profile is the share of its stored cases
that have each finding, and a case is matched against every profile.

A condition's match is how much of the stated findings' weight its profile accounts for:
the weighted mean, over the findings the text states, of the share of the condition's cases
that have each (a finding's weight is its rarity across profiles, like inverse document
frequency, so "pain" counts for less than "haemoptysis"). Unlike naive Bayes, one stated
finding a condition rarely has lowers its match by its share of the weight instead of ruling
it out; unlike the case base, it compares with a condition's cases pooled, never with one
case; unlike both, it ignores what the text does not state and the stated age and sex (the
other members weigh those). So its errors fall elsewhere. Its explanation names the stated
findings most typical of the top condition, with the share of its cases that have each.

Trained per (knowledge base, seed, excluded rows) on the member's sample of the rows
(``methods.training_sample``), cached; pure module, no Django.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from panels.offline import knowledge, methods

# A profile "has" a finding when at least this share of its cases do (for the weights).
TYPICAL_SHARE = 0.05
WEIGHT_FLOOR = 0.1  # weight of a finding every profile has: it still counts a little
# Scale of the softmax over matches (0-1): a match 0.1 higher is e^1.2 = 3.3 times likelier.
SHARPNESS = 12.0
FINDINGS_SHOWN = 4


@dataclass(frozen=True, eq=False)
class Profiles:
    """Trained profiles. ``rows`` are the row indices of ``kb.rows`` they were built from."""

    kb: knowledge.KnowledgeBase
    columns: dict[str, int]  # feature (``methods.features``) -> column of ``shares``
    shares: Any  # (conditions x features) share of the condition's cases with the feature
    weights: Any  # (features,) rarity of each feature across the profiles
    conditions: tuple[str, ...]  # the knowledge base's conditions, in the order of ``shares``
    rows: tuple[int, ...]

    def assess(
        self, findings: frozenset[str], age: int | None, sex: str | None, *, closed: bool = False
    ) -> methods.MethodResult:
        """Conditions ranked by how well their profiles match ``findings`` (DDXPlus tokens).
        ``age``, ``sex`` and ``closed`` change nothing, on purpose: a profile match weighs
        the stated findings only (module docstring)."""
        query = methods.features(findings, kb=self.kb)
        known = {f: t for f, t in query.items() if f in self.columns}
        stated = [self.columns[f] for f in known]
        match = np.zeros(len(self.conditions))
        if stated:
            weights = self.weights[stated]
            match = (self.shares[:, stated] * weights).sum(axis=1) / weights.sum()
        probabilities = np.exp(SHARPNESS * (match - match.max()))
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities, kind="stable")
        ranking = tuple(methods.Scored(self.conditions[i], float(probabilities[i])) for i in order)
        top = int(order[0])
        return methods.MethodResult(ranking, (self._explain(top, float(match[top]), known),))

    def _explain(self, top: int, match: float, known: dict[str, str]) -> str:
        name = self.conditions[top]
        typical = sorted(
            (-float(self.shares[top, self.columns[f]]), knowledge.finding_text(t, kb=self.kb))
            for f, t in known.items()
            if self.shares[top, self.columns[f]] > 0
        )
        shown = list(dict.fromkeys(f"{words} ({-share:.0%})" for share, words in typical))
        if not shown:
            return f"No stated finding is in the profile of {name}."
        return (
            f"Profile match: {name}'s profile accounts for {match:.0%} of the weight of the "
            "stated findings; the most typical of its cases (share of them): "
            + ", ".join(shown[:FINDINGS_SHOWN])
            + "."
        )


def train(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int] = frozenset()
) -> Profiles:
    """The profiles of one member: built from its sample of the rows not in ``exclude``,
    cached per (knowledge base, seed, excluded rows). Raises ValueError when every row is
    excluded."""
    return _train(kb, seed, frozenset(exclude))


@lru_cache(maxsize=32)
def _train(kb: knowledge.KnowledgeBase, seed: int, exclude: frozenset[int]) -> Profiles:
    rows = methods.training_sample(len(kb.rows), seed=seed, exclude=exclude)
    names = tuple(kb.conditions)
    position = {name: i for i, name in enumerate(names)}
    counts = [Counter[str]() for _ in names]
    cases = np.zeros(len(names))
    for index in rows:
        row = kb.rows[index]
        c = position[row.pathology]
        cases[c] += 1
        counts[c].update(set(methods.features(row.evidences, kb=kb)))
    columns = {f: i for i, f in enumerate(sorted(set().union(*counts)))}
    shares = np.zeros((len(names), len(columns)))
    for c, found in enumerate(counts):
        for feature, count in found.items():
            shares[c, columns[feature]] = count / cases[c]
    # A condition without a case in the sample has an empty profile: it matches nothing.
    spread = (shares >= TYPICAL_SHARE).sum(axis=0)
    weights = np.log((1 + len(names)) / (1 + spread)) + WEIGHT_FLOOR
    return Profiles(kb, columns, shares, weights, names, rows)
