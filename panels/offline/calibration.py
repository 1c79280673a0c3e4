"""Calibrated confidence: turn a method's top probability into its probability of being right.

A naive-Bayes posterior is near 1 whenever it is sure of anything, and a text classifier's
top probability has its own scale; neither is the chance that the answer is right. :func:`fit`
learns a monotone map from a method's score to its observed accuracy (isotonic regression,
scikit-learn), kept strictly inside (0, 1). :func:`held_out_scores` and :func:`fit_held_out`
measure a method on renderings of rows it did not train on (and that the evaluation has not
set aside), so the number means "right this often on text", not the raw posterior.
:func:`expected_calibration_error` and :func:`reliability_bins` are the measures the
evaluation reports. The text member's map is fitted on free text instead
(:data:`TEXT_ON_NOTES`). Pure module, no Django.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
from sklearn.isotonic import IsotonicRegression

from panels.offline import (
    extraction,
    knowledge,
    methods,
    renderings,
    text_classifier,
)

# The text member's confidence on free text: its classifier's top score -> probability of
# being right, an isotonic map fitted (``bench.text_confidence``) on the 210 notes of the
# development pool's seven sets (freetext_dev, dev2, dev3, dev4 and holdout 1-3) that the text
# member answers, 191 of them right: a development fit, k-fold cross-fitted ECE 0.071 there
# (the previous map, fitted on freetext_dev alone, 0.094 on its own 43 notes). Only these
# knots ship; no note is read at run time, and the classifier is never trained on the notes.
# Its calibrator on renderings (:func:`for_text_classifier`) said 50-56 % on notes it got right
# 81 % of the time, since it is far surer on renderings. Refit when the classifier, the text
# member's scope (``scope.TEXT_MIN_SCORE``) or the extraction that scope reads changes.
TEXT_ON_NOTES_KNOTS = (
    0.300, 0.304, 0.306, 0.312, 0.313, 0.343, 0.346, 0.380, 0.381, 0.391, 0.392, 0.604, 0.605,
    0.848,
)  # fmt: skip
TEXT_ON_NOTES_VALUES = (
    0.5, 0.5, 0.667, 0.667, 0.735, 0.735, 0.815, 0.815, 0.9, 0.9, 0.979, 0.979, 0.995, 0.995,
)  # fmt: skip
TEXT_ON_NOTES_COUNT = 210
HELD_OUT_ROWS = 300  # rows measured per calibrator: enough for 10 bins, a few seconds
RENDERINGS_PER_ROW = 1
LENGTHS_DIFFER = "Scores and outcomes differ in length ({} and {})."
NOTHING_TO_FIT = "No scores to calibrate on."
NOT_A_PROBABILITY = "A probability must be a number from 0 to 1, not {!r}."
NOT_A_SCORE = "A score must be a finite number, not {!r}."


@dataclass(frozen=True)
class Calibrator:
    """A monotone, piecewise-linear map from a method's score to a probability of being
    right, fitted on ``count`` outcomes. Never returns exactly 0 or 1: the bounds are
    1 / (count + 2) away from them, as much as that many outcomes can tell."""

    scores: tuple[float, ...]  # knots, ascending
    probabilities: tuple[float, ...]  # non-decreasing values at the knots
    count: int

    def __call__(self, score: float) -> float:
        if not math.isfinite(score):
            raise ValueError(NOT_A_SCORE.format(score))
        return float(np.interp(score, self.scores, self.probabilities))


TEXT_ON_NOTES = Calibrator(TEXT_ON_NOTES_KNOTS, TEXT_ON_NOTES_VALUES, TEXT_ON_NOTES_COUNT)


def fit(scores: Sequence[float], correct: Sequence[bool]) -> Calibrator:
    """The calibrator for ``scores`` (any finite numbers; higher means surer) whose answers
    were ``correct``. Raises ValueError for empty or mismatched input or a non-finite score."""
    x = _checked_scores(scores, correct)
    y = np.asarray(correct, dtype=float)
    margin = 1.0 / (len(x) + 2)
    model = IsotonicRegression(
        increasing=True, y_min=margin, y_max=1 - margin, out_of_bounds="clip"
    )
    model.fit(x, y)
    knots = np.asarray(model.X_thresholds_, dtype=float)
    values = np.clip(np.asarray(model.y_thresholds_, dtype=float), margin, 1 - margin)
    return Calibrator(tuple(knots.tolist()), tuple(values.tolist()), len(x))


def expected_calibration_error(
    probabilities: Sequence[float], correct: Sequence[bool], *, bins: int = 10
) -> float:
    """The share-weighted mean gap between stated probability and observed accuracy over
    ``bins`` equal-width bins of [0, 1]. 0 is perfectly calibrated."""
    return sum(
        count * abs(mean - accuracy)
        for mean, accuracy, count in reliability_bins(probabilities, correct, bins=bins)
    ) / len(probabilities)


def reliability_bins(
    probabilities: Sequence[float], correct: Sequence[bool], *, bins: int = 10
) -> list[tuple[float, float, int]]:
    """(mean stated probability, observed accuracy, count) of each non-empty bin, in order of
    the bins: the points of a reliability diagram. 1.0 falls in the last bin."""
    p = _checked_probabilities(probabilities, correct)
    if bins < 1:
        raise ValueError("bins must be 1 or more")
    y = np.asarray(correct, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    result = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        if count:
            result.append((float(p[members].mean()), float(y[members].mean()), count))
    return result


def held_out_rows(
    kb: knowledge.KnowledgeBase,
    *,
    trained: Collection[int],
    exclude: Collection[int],
    seed: int,
    limit: int = HELD_OUT_ROWS,
) -> list[int]:
    """Up to ``limit`` row indices (ascending) that are neither in the method's training
    sample ``trained`` nor set aside by the evaluation in ``exclude``: the first such rows in
    an order seeded by ``seed``, so that calibrators of one seed share most of their rows
    (and, rendered alike, their texts are read once for all of them)."""
    unseen, spare = set(trained), set(exclude)
    chosen = [i for i in _row_order(len(kb.rows), seed) if i not in unseen and i not in spare]
    return sorted(chosen[:limit])


@lru_cache(maxsize=8)
def _row_order(count: int, seed: int) -> tuple[int, ...]:
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return tuple(order)


def held_out_scores(
    kb: knowledge.KnowledgeBase,
    assess: Callable[[str], methods.MethodResult],
    *,
    trained: Collection[int],
    exclude: Collection[int],
    seed: int,
    limit: int = HELD_OUT_ROWS,
    per_row: int = RENDERINGS_PER_ROW,
) -> tuple[list[float], list[bool]]:
    """(top probability, whether the top condition was right) of ``assess`` on renderings of
    the rows :func:`held_out_rows` picks."""
    scores: list[float] = []
    correct: list[bool] = []
    rows = held_out_rows(kb, trained=trained, exclude=exclude, seed=seed, limit=limit)
    for index in rows:
        row = kb.rows[index]
        for text in renderings.render_variants(row, kb, seed=seed, count=per_row):
            top = assess(text).ranking[0]
            scores.append(top.probability)
            correct.append(top.condition == row.pathology)
    return scores, correct


def fit_held_out(
    kb: knowledge.KnowledgeBase,
    assess: Callable[[str], methods.MethodResult],
    *,
    trained: Collection[int],
    exclude: Collection[int],
    seed: int,
    limit: int = HELD_OUT_ROWS,
    per_row: int = RENDERINGS_PER_ROW,
) -> Calibrator:
    """The calibrator of a method (its ``assess`` over text, trained on the rows ``trained``)
    fitted on renderings of rows it never saw and the evaluation did not set aside. Raises
    ValueError when no such row is left."""
    scores, correct = held_out_scores(
        kb, assess, trained=trained, exclude=exclude, seed=seed, limit=limit, per_row=per_row
    )
    return fit(scores, correct)


Reader = Callable[[str], tuple[frozenset[str], int | None, str | None]]


def read_case(
    text: str, *, kb: knowledge.KnowledgeBase
) -> tuple[frozenset[str], int | None, str | None]:
    """(findings, age, sex) of ``text`` as :mod:`knowledge` extracts them today."""
    age, sex = knowledge.extract_demographics(text)
    return frozenset(extraction.extract_findings(text, kb=kb)), age, sex


@lru_cache(maxsize=64)
def for_text_classifier(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int] = frozenset()
) -> Calibrator:
    """The calibrator of ``text_classifier.train(kb, seed=seed, exclude=exclude)``, fitted on
    held-out renderings; cached like the classifier."""
    model = text_classifier.train(kb, seed=seed, exclude=exclude)
    return fit_held_out(kb, model.assess, trained=model.rows, exclude=exclude, seed=seed)


class FindingsModel(Protocol):
    """A method that ranks conditions from a text's findings, age and sex (``closed``: the
    findings are a full questionnaire's, so what they do not list is absent)."""

    @property
    def rows(self) -> tuple[int, ...]: ...  # the rows it trained on

    def assess(
        self, findings: frozenset[str], age: int | None, sex: str | None, *, closed: bool = False
    ) -> methods.MethodResult: ...


def for_findings(
    model: FindingsModel,
    kb: knowledge.KnowledgeBase,
    *,
    seed: int,
    exclude: frozenset[int],
    read: Reader | None = None,
) -> Calibrator:
    """The calibrator of a findings method's trained ``model``, fitted on held-out renderings
    (:func:`fit_held_out`) that it reads with ``read`` (text to findings, age and sex; by
    default :func:`read_case`), so it measures the reader the member really uses."""

    def assess(text: str) -> methods.MethodResult:
        findings, age, sex = read(text) if read else read_case(text, kb=kb)
        return model.assess(findings, age, sex)

    return fit_held_out(kb, assess, trained=model.rows, exclude=exclude, seed=seed)


def _checked_scores(scores: Sequence[float], correct: Sequence[bool]) -> np.ndarray:
    if len(scores) != len(correct):
        raise ValueError(LENGTHS_DIFFER.format(len(scores), len(correct)))
    if not len(scores):
        raise ValueError(NOTHING_TO_FIT)
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, numbers.Real):
            raise ValueError(NOT_A_SCORE.format(score))
        if not math.isfinite(score):
            raise ValueError(NOT_A_SCORE.format(score))
    return np.asarray(scores, dtype=float)


def _checked_probabilities(probabilities: Sequence[float], correct: Sequence[bool]) -> np.ndarray:
    p = _checked_scores(probabilities, correct)
    outside = p[(p < 0) | (p > 1)]
    if outside.size:
        raise ValueError(NOT_A_PROBABILITY.format(float(outside[0])))
    return p
