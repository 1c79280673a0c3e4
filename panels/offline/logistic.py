"""A discriminative reasoner: a multinomial logistic regression (scikit-learn) over the findings
of a case, the same features the Bayesian and case-based members weigh (``methods.features``),
plus the stated age band and sex.

It learns one weight per finding and condition jointly, so a finding that many conditions
share weighs little and one that separates two look-alikes weighs much, where naive Bayes
counts each finding on its own and the case-based reasoner compares whole cases: its errors
fall elsewhere. A DDXPlus row lists every finding of a full questionnaire, while a note states
a few: besides each row as it is, the model trains on ``COPIES`` copies of it with findings left
unsaid at random (each kept with a probability drawn per copy from ``KEEP``, age and sex each
kept with ``KEEP_DEMOGRAPHIC``), so silence is no evidence against a condition. Its explanation
names the stated findings whose weights favour the top condition most.

Trained per (knowledge base, seed, excluded rows) on the member's sample of the rows
(``methods.training_sample``), cached; pure module, no Django.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from panels.offline import knowledge, methods

COPIES = 3  # copies of each row with findings left unsaid
KEEP = (0.25, 0.9)  # range of the share of a row's findings a copy keeps
KEEP_DEMOGRAPHIC = 0.7
MIN_KEPT = 2  # findings every copy keeps (a note with fewer is out of scope anyway)
C = 0.3  # inverse L2 strength (chosen on the development notes among 0.1, 0.3, 1 and 3)
ITERATIONS = 100  # it converges in about 30
FINDINGS_SHOWN = 4


@dataclass(frozen=True, eq=False)
class Logistic:
    """A trained model. ``rows`` are the row indices of ``kb.rows`` it was trained on."""

    kb: knowledge.KnowledgeBase
    columns: dict[str, int]  # feature (finding or "age:3", "sex:F") -> column of ``weights``
    weights: Any  # (features x conditions), centred per feature over the conditions
    intercept: Any  # (conditions,)
    conditions: tuple[str, ...]  # the conditions it saw, in the order of the weights' columns
    unseen: tuple[str, ...]  # conditions without a row in the sample: ranked last, at 0
    rows: tuple[int, ...]

    def assess(
        self, findings: frozenset[str], age: int | None, sex: str | None, *, closed: bool = False
    ) -> methods.MethodResult:
        """Conditions ranked by the model's probabilities for ``findings`` (DDXPlus tokens)
        and the stated age and sex (None when the text does not say). ``closed`` changes
        nothing: the weights count stated findings only, so silence weighs the same in a
        note and a full questionnaire."""
        query = methods.features(findings, kb=self.kb)
        known = {f: t for f, t in query.items() if f in self.columns}
        stated = [self.columns[f] for f in known]
        stated += [self.columns[d] for d in _demographics(age, sex) if d in self.columns]
        scores = self.intercept + self.weights[stated].sum(axis=0)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities, kind="stable")
        ranking = tuple(
            methods.Scored(self.conditions[i], float(probabilities[i])) for i in order
        ) + tuple(methods.Scored(name, 0.0) for name in self.unseen)
        return methods.MethodResult(ranking, (self._explain(int(order[0]), known),))

    def _explain(self, top: int, known: dict[str, str]) -> str:
        name = self.conditions[top]
        weighed = sorted(
            (-float(self.weights[self.columns[f], top]), knowledge.finding_text(t, kb=self.kb))
            for f, t in known.items()
            if self.weights[self.columns[f], top] > 0
        )
        shown = list(dict.fromkeys(words for _, words in weighed))[:FINDINGS_SHOWN]
        if not shown:
            return f"No stated finding weighs for {name} in the regression; this is its prior."
        return f"Logistic regression: the stated findings that weigh most for {name}: " + (
            ", ".join(shown) + "."
        )


def _demographics(age: int | None, sex: str | None) -> list[str]:
    found = [] if age is None else [f"age:{methods.age_band(age)}"]
    return found + ([f"sex:{sex}"] if sex in ("F", "M") else [])


def train(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int] = frozenset()
) -> Logistic:
    """The model of one member: its sample of the rows not in ``exclude``, cached per
    (knowledge base, seed, excluded rows). Raises ValueError when every row is excluded."""
    return _train(kb, seed, frozenset(exclude))


@lru_cache(maxsize=32)
def _train(kb: knowledge.KnowledgeBase, seed: int, exclude: frozenset[int]) -> Logistic:
    rows = methods.training_sample(len(kb.rows), seed=seed, exclude=exclude)
    rng = random.Random(seed)
    examples: list[list[str]] = []
    labels: list[str] = []
    for index in rows:
        row = kb.rows[index]
        findings = sorted(methods.features(row.evidences, kb=kb))
        demographic = _demographics(row.age, row.sex)
        examples.append(findings + demographic)
        labels.append(row.pathology)
        for _ in range(COPIES):
            keep = rng.uniform(*KEEP)
            kept = [f for f in findings if rng.random() < keep]
            if len(kept) < MIN_KEPT:
                kept = rng.sample(findings, min(MIN_KEPT, len(findings)))
            examples.append(kept + [d for d in demographic if rng.random() < KEEP_DEMOGRAPHIC])
            labels.append(row.pathology)
    columns = {f: c for c, f in enumerate(sorted({f for e in examples for f in e}))}
    row_index = [r for r, example in enumerate(examples) for _ in example]
    column_index = [columns[f] for example in examples for f in example]
    matrix = sparse.csr_matrix(
        (np.ones(len(row_index)), (row_index, column_index)),
        shape=(len(examples), len(columns)),
    )
    model = LogisticRegression(C=C, max_iter=ITERATIONS)
    # One BLAS thread: the problem is small, and two threads spinning on two shared cores
    # cost six times the CPU (measured: 4.0 s against 0.6 s).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # bounded iterations, on purpose
        model.fit(matrix, labels)
    coef = np.asarray(model.coef_, dtype=float)
    conditions = tuple(str(c) for c in model.classes_)
    return Logistic(
        kb=kb,
        columns=columns,
        weights=np.ascontiguousarray((coef - coef.mean(axis=0)).T),
        intercept=np.asarray(model.intercept_, dtype=float).copy(),
        conditions=conditions,
        unseen=tuple(name for name in kb.conditions if name not in conditions),
        rows=rows,
    )
