"""What every offline reasoning method returns, and the training sample each one draws.

Pure module: no Django. The methods (``text_classifier``, ``neighbours``, the Bayesian
reasoner) each rank the knowledge base's conditions; a member calibrates the top probability
(``calibration``) before it shows it as a confidence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

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
