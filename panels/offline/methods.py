"""What every offline reasoning method returns, and the training sample each one draws.

Pure module: no Django. The methods (``text_classifier``, ``neighbours``, ``logistic``,
``profiles``, the Bayesian reasoner) each rank the knowledge base's conditions; a member
calibrates the top probability (``calibration``) before it shows it as a confidence.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from panels.offline import knowledge

# Share of the rows a member may see that it trains on: the rest are its own held-out rows,
# on which its calibrator is fitted, and different members see different rows.
TRAINING_SHARE = 0.8


@dataclass(frozen=True)
class Scored:
    condition: str  # a key of the knowledge base's conditions
    probability: float  # the method's probability (calibrate before showing it as confidence)


@dataclass(frozen=True)
class MethodResult:
    ranking: tuple[Scored, ...]  # best first
    explanation: tuple[str, ...]  # short lines for the member's reasoning, in words


def training_sample(
    count: int, *, seed: int, exclude: frozenset[int] = frozenset(), share: float = TRAINING_SHARE
) -> tuple[int, ...]:
    """Row indices a method trains on: a seeded sample without replacement of ``share`` of the
    rows in ``range(count)`` that are not in ``exclude``, in ascending order. Raises
    ValueError when no row is left to train on."""
    pool = [i for i in range(count) if i not in exclude]
    if not pool:
        raise ValueError("Every row of the knowledge base is excluded: nothing to train on.")
    size = max(1, round(len(pool) * share))
    return tuple(sorted(random.Random(seed).sample(pool, size)))


AGE_CUTS = (1, 5, 16, 30, 45, 60, 75)


def age_band(age: int) -> int:
    """The age band a case falls in (0 below 1 year ... 7 from 75)."""
    return sum(age >= cut for cut in AGE_CUTS)


def features(tokens: Iterable[str], *, kb: knowledge.KnowledgeBase) -> dict[str, str]:
    """Case features of evidence tokens, each mapped to the token it came from (the Bayesian
    and the case-based members weigh the same ones). Default, "N" and "NA" values are dropped
    (text never states them); 0-10 scales fall into three bands; a pain place also counts as
    its region (``knowledge.PAIN_REGIONS``: "E_55:chest"), which is all a note's "chest pain"
    (the token ``E_55_@_chest``) states."""
    result: dict[str, str] = {}
    for token in tokens:
        code, _, value = token.partition("_@_")
        evidence = kb.evidences.get(code)
        if evidence is None or (value and value == evidence.default):
            continue
        regions = knowledge.regions_of(evidence, value) if value else ()
        for region in regions:
            result.setdefault(f"{code}:{region}", token)
        if value in knowledge.PAIN_REGIONS:
            continue
        if value and evidence.values.get(value) in ("N", "NA"):
            continue
        if value and not evidence.values:
            score = int(value)
            band = "low" if score <= 3 else "mid" if score <= 6 else "high"
            result[f"{code}:{band}"] = token
        else:
            result[token] = token
    return result
