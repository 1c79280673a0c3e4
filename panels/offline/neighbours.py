"""A case-based reasoner: the stored DDXPlus cases most like the findings of a new case.

Each stored case is the set of findings of one training row (DDXPlus evidence tokens, 0-10
scales in three bands). Findings are weighted like inverse document frequency, so a finding
few cases share (haemoptysis, travel to West Africa) counts for more than one most share
(pain). The similarity of a case to the query combines how much of the query's weight the
case shares (coverage, what a short note can state) with how much of the case's own weight
the query explains (so that a stored case full of other findings ranks lower); age band and
sex nudge it. The k most similar cases vote, weighted by similarity.

It reasons from whole cases rather than from one finding at a time, so its errors differ from
a naive-Bayes reasoner's over the same findings. Trained (indexed) per (knowledge base, seed,
excluded rows), cached; pure module, no Django.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse

from panels.offline import knowledge, methods

K = 7
COVERAGE = 0.75  # exponent of coverage; precision gets the rest (chosen on held-out renderings)
SAME_BAND, NEAR_BAND, SAME_SEX = 0.08, 0.03, 0.04  # multiplicative nudges of age and sex
OUTSIDE_K = 0.05  # share of a condition's best similarity it keeps when no neighbour has it
FINDINGS_SHOWN = 4


@dataclass(frozen=True, eq=False)
class Neighbours:
    """An indexed case base. ``rows`` are the row indices of ``kb.rows`` it stores."""

    kb: knowledge.KnowledgeBase
    columns: dict[str, int]  # feature -> column of ``cases``
    cases: Any  # sparse (cases x features), each entry the feature's weight
    weights: Any  # the weight of each feature (column)
    case_weight: Any  # total weight of each case's findings
    stated_weight: Any  # the same without the findings that characterise another (see assess)
    labels: tuple[str, ...]  # the condition of each case
    label_index: Any  # the position of each case's condition in ``kb.conditions``
    bands: Any  # age band of each case
    sexes: tuple[str, ...]
    rows: tuple[int, ...]

    def assess(
        self, findings: frozenset[str], age: int | None, sex: str | None, *, closed: bool = False
    ) -> methods.MethodResult:
        """Conditions ranked by the votes of the K stored cases most similar to ``findings``
        (DDXPlus tokens) and the stated age and sex (None when the text does not say).

        How much of a stored case the query explains (precision) counts all the case's
        findings for a full questionnaire (``closed``), whose silence is absence; for a note
        it leaves out those that only characterise another finding (a rash's colour, a
        pain's place), which a note leaves out without meaning they are absent."""
        query = methods.features(findings, kb=self.kb)
        known = {f: t for f, t in query.items() if f in self.columns}
        vector = np.zeros(len(self.columns))
        for feature in known:
            vector[self.columns[feature]] = 1.0
        shared = self.cases @ vector
        query_weight = float(self.weights @ vector)
        if query_weight > 0:
            coverage = shared / query_weight
            precision = shared / (self.case_weight if closed else self.stated_weight)
            similarity = coverage**COVERAGE * precision ** (1 - COVERAGE)
        else:
            similarity = np.full(len(self.labels), 1e-3)  # nothing to compare: prevalence
        similarity = similarity * self._demographic(age, sex)
        nearest = np.argsort(-similarity, kind="stable")[:K]
        return self._result(similarity, nearest, known)

    def _demographic(self, age: int | None, sex: str | None) -> Any:
        factor = np.ones(len(self.labels))
        if age is not None:
            gap = np.abs(self.bands - methods.age_band(age))
            factor += np.where(gap == 0, SAME_BAND, np.where(gap == 1, NEAR_BAND, 0.0))
        if sex in ("F", "M"):
            factor += SAME_SEX * (np.array(self.sexes) == sex)
        return factor

    def _result(self, similarity: Any, nearest: Any, known: dict[str, str]) -> methods.MethodResult:
        names = tuple(self.kb.conditions)
        scores = np.zeros(len(names))
        np.maximum.at(scores, self.label_index, OUTSIDE_K * similarity)
        np.add.at(scores, self.label_index[nearest], similarity[nearest])
        total = float(scores.sum()) or 1.0
        order = sorted(range(len(names)), key=lambda c: (-scores[c], names[c]))
        ranking = tuple(methods.Scored(names[c], float(scores[c]) / total) for c in order)
        top = names[order[0]]
        backing = [int(i) for i in nearest if self.labels[i] == top]
        return methods.MethodResult(ranking, (self._explain(top, backing, known),))

    def _explain(self, top: str, backing: list[int], known: dict[str, str]) -> str:
        head = f"{len(backing)} of the {K} most similar stored cases had {top}"
        if not known:
            return head + "; the text states no finding that stored cases share."
        feature_of = {self.columns[f]: f for f in known}
        counts: Counter[str] = Counter()
        for index in backing:
            row = self.cases.getrow(index)
            counts.update(feature_of[c] for c in row.indices if c in feature_of)
        if not counts:
            return head + "; they share none of the stated findings."
        shown = [knowledge.finding_text(known[f], kb=self.kb) for f, _ in counts.most_common()]
        return head + "; shared findings: " + ", ".join(shown[:FINDINGS_SHOWN]) + "."


def _stated(kb: knowledge.KnowledgeBase, feature: str) -> bool:
    evidence = kb.evidences[feature.split("_@_")[0].split(":")[0]]
    return not evidence.characterises and not evidence.is_antecedent


def train(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int] = frozenset()
) -> Neighbours:
    """The case base of one member: its sample of the rows not in ``exclude``, cached per
    (knowledge base, seed, excluded rows)."""
    return _train(kb, seed, frozenset(exclude))


@lru_cache(maxsize=32)
def _train(kb: knowledge.KnowledgeBase, seed: int, exclude: frozenset[int]) -> Neighbours:
    rows = methods.training_sample(len(kb.rows), seed=seed, exclude=exclude)
    case_features = [set(methods.features(kb.rows[i].evidences, kb=kb)) for i in rows]
    frequency: Counter[str] = Counter(f for features in case_features for f in features)
    columns = {feature: c for c, feature in enumerate(sorted(frequency))}
    weight = np.array([math.log((1 + len(rows)) / (1 + frequency[f])) + 1 for f in columns])
    row_index, column_index = [], []
    for r, features in enumerate(case_features):
        for feature in features:
            row_index.append(r)
            column_index.append(columns[feature])
    values = weight[column_index]
    cases = sparse.csr_matrix((values, (row_index, column_index)), shape=(len(rows), len(columns)))
    position = {name: c for c, name in enumerate(kb.conditions)}
    case_weight = np.maximum(np.asarray(cases.sum(axis=1)).ravel(), 1e-9)
    stated = np.array([1.0 if _stated(kb, f) else 0.0 for f in columns])
    stated_weight = np.maximum(np.asarray(cases @ stated).ravel(), 1e-9)
    return Neighbours(
        kb=kb,
        columns=columns,
        cases=cases,
        weights=weight,
        case_weight=case_weight,
        stated_weight=stated_weight,
        labels=tuple(kb.rows[i].pathology for i in rows),
        label_index=np.array([position[kb.rows[i].pathology] for i in rows]),
        bands=np.array([methods.age_band(kb.rows[i].age) for i in rows]),
        sexes=tuple(kb.rows[i].sex for i in rows),
        rows=rows,
    )
