"""Measurement arithmetic as pure functions: Wilson intervals, Fleiss' kappa, the correlation
of members' errors, the effective number of wrong alternatives, and a Monte Carlo simulation
of the decision rule to set beside the exact table in ``panels.quorum``.

No Django, no I/O. The simulation decides with ``cases.protocol`` itself, so it tests the code
the panel runs, not a re-implementation of it.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from scipy.stats import beta

from cases import protocol

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal


class MetricsError(ValueError):
    """Input a measurement cannot be computed from; the message says what is wrong."""


@dataclass(frozen=True)
class Interval:
    """A proportion ``successes / total`` with its Wilson score interval ``[low, high]``."""

    successes: int
    total: int
    rate: float
    low: float
    high: float


def wilson(successes: int, total: int, *, z: float = Z_95) -> Interval:
    """The Wilson score interval for ``successes`` out of ``total`` (95% by default).

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or ``total``
    successes. ``total == 0`` gives rate 0 and the uninformative interval [0, 1]. Raises
    MetricsError when the counts are impossible.
    """
    if total < 0 or not 0 <= successes <= total:
        raise MetricsError(f"need 0 <= successes <= total (got {successes}/{total})")
    if total == 0:
        return Interval(0, 0, 0.0, 0.0, 1.0)
    rate = successes / total
    z2 = z * z
    centre = (rate + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(rate * (1 - rate) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return Interval(successes, total, rate, max(0.0, centre - half), min(1.0, centre + half))


def clopper_pearson_upper(failures: int, total: int, *, delta: float) -> float:
    """The exact (Clopper-Pearson) one-sided upper ``1 - delta`` confidence bound on a
    binomial proportion after ``failures`` out of ``total``: the largest rate under which
    seeing at most ``failures`` still has probability ``delta``. 1.0 with no observations or
    when every trial failed. Raises MetricsError for impossible counts or ``delta`` outside
    (0, 1)."""
    if total < 0 or not 0 <= failures <= total:
        raise MetricsError(f"need 0 <= failures <= total (got {failures}/{total})")
    if not 0 < delta < 1:
        raise MetricsError(f"need 0 < delta < 1 (got {delta})")
    if failures == total:
        return 1.0
    return float(beta.ppf(1 - delta, failures + 1, total - failures))


def trials_needed(*, alpha: float, delta: float, failures: int = 0) -> int:
    """How many trials with ``failures`` failures bring :func:`clopper_pearson_upper` down
    to ``alpha`` or below (299 for no failures at alpha 0.01, delta 0.05). Raises
    MetricsError for alpha or delta outside (0, 1)."""
    if not 0 < alpha < 1 or not 0 < delta < 1 or failures < 0:
        raise MetricsError(f"need 0 < alpha, delta < 1 and failures >= 0 (got {alpha}, {delta})")
    # The bound falls as trials grow: double until it passes, then bisect.
    low, high = failures, max(failures + 1, 2)
    while clopper_pearson_upper(failures, high, delta=delta) > alpha:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        if clopper_pearson_upper(failures, middle, delta=delta) > alpha:
            low = middle
        else:
            high = middle
    return high


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa for ``table[subject][category]`` = how many raters put the subject in
    that category. Every subject must have the same number of raters (at least 2).

    1 is perfect agreement, 0 what chance alone gives, negative less than chance. When the
    raters all use a single category, expected agreement is 1 and kappa is undefined: this
    returns 1.0 if observed agreement is also perfect. Raises MetricsError for an empty table
    or unequal rater counts.
    """
    if not table:
        raise MetricsError("Fleiss' kappa needs at least one subject")
    raters = sum(table[0])
    if raters < 2 or any(sum(row) != raters for row in table):
        raise MetricsError("Fleiss' kappa needs the same number (>= 2) of raters per subject")
    subjects = len(table)
    width = max(len(row) for row in table)
    column = [0] * width
    observed = 0.0
    for row in table:
        for j, count in enumerate(row):
            column[j] += count
        observed += (sum(c * c for c in row) - raters) / (raters * (raters - 1))
    p_bar = observed / subjects
    p_e = sum((c / (subjects * raters)) ** 2 for c in column)
    if p_e >= 1.0:
        return 1.0
    return (p_bar - p_e) / (1 - p_e)


def rating_table(ratings: Sequence[Sequence[Hashable]]) -> list[list[int]]:
    """Turn per-subject rating lists (``[["J18", "J18", "I26"], ...]``) into the count table
    :func:`fleiss_kappa` takes, with one column per category seen anywhere."""
    categories = sorted({str(r) for subject in ratings for r in subject})
    position = {c: i for i, c in enumerate(categories)}
    table = []
    for subject in ratings:
        row = [0] * len(categories)
        for rating in subject:
            row[position[str(rating)]] += 1
        table.append(row)
    return table


def phi(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """The phi coefficient (Pearson correlation of two 0/1 series) of paired observations, or
    None when either series is constant (its correlation is undefined)."""
    if len(a) != len(b):
        raise MetricsError("phi needs paired observations of equal length")
    n = len(a)
    if n == 0:
        return None
    both = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    n_a, n_b = sum(map(bool, a)), sum(map(bool, b))
    denominator = n_a * (n - n_a) * n_b * (n - n_b)
    if denominator == 0:
        return None
    return (n * both - n_a * n_b) / math.sqrt(denominator)


def error_correlation(errors: Sequence[Sequence[bool]]) -> list[list[float | None]]:
    """The matrix of phi coefficients between members' error indicators, where
    ``errors[member][case]`` is true when that member was wrong on that case. The diagonal is
    1 for a member whose errors vary, None for one that is always (or never) wrong."""
    return [[phi(row, other) for other in errors] for row in errors]


def effective_alternatives(wrong_answers: Sequence[Sequence[Hashable]]) -> float | None:
    """How many equally likely wrong alternatives the observed wrong answers behave like.

    ``wrong_answers[case]`` lists the classes of the wrong answers on one case. Two answers
    drawn uniformly from ``k`` alternatives coincide with probability 1/k, so this is the
    inverse of the pooled share of agreeing pairs among pairs of wrong answers on the same case
    (an inverse Simpson index). None when no case has two wrong answers; infinity when no
    pair ever agreed.
    """
    pairs = agreeing = 0
    for answers in wrong_answers:
        m = len(answers)
        pairs += m * (m - 1) // 2
        agreeing += sum(c * (c - 1) // 2 for c in Counter(answers).values())
    if pairs == 0:
        return None
    if agreeing == 0:
        return math.inf
    return pairs / agreeing


# --- Monte Carlo ------------------------------------------------------------------------

CORRECT_KEY = "correct"


@dataclass(frozen=True)
class Simulation:
    """Outcome counts of ``trials`` simulated deliberations."""

    trials: int
    correct: int
    wrong: int
    none: int

    def rate(self, outcome: str) -> float:
        return int(getattr(self, outcome)) / self.trials if self.trials else 0.0

    def standard_error(self, outcome: str, *, expected: float) -> float:
        """The binomial standard error of this outcome's rate if ``expected`` were its true
        probability (the yardstick for "agrees within sampling error")."""
        return math.sqrt(expected * (1 - expected) / self.trials) if self.trials else 0.0


def simulate(*, n: int, q: int, p: float, k: int, b: int, trials: int, seed: int) -> Simulation:
    """Simulate the decision rule under the exact table's model (``panels.quorum``):
    each of the ``n - b`` honest members answers correctly with probability ``1 - p``, else one
    of ``k`` wrong alternatives uniformly; the ``b`` colluders all answer alternative 0; Round 1
    answers are voted as they are and :func:`cases.protocol.decide` decides. Reproducible for
    a given ``seed``. Raises MetricsError for impossible inputs.
    """
    if not 0 <= p <= 1 or k < 1 or not 0 <= b <= n or 2 * q <= n or trials < 0:
        raise MetricsError(
            f"need 0 <= p <= 1, k >= 1, 0 <= b <= n, q > n/2, trials >= 0 "
            f"(got n={n}, q={q}, p={p}, k={k}, b={b}, trials={trials})"
        )
    rng = random.Random(seed)
    wrong_keys = [f"wrong-{i}" for i in range(k)]
    counts: Counter[str] = Counter()
    for _ in range(trials):
        keys = [
            wrong_keys[rng.randrange(k)] if rng.random() < p else CORRECT_KEY for _ in range(n - b)
        ]
        keys += [wrong_keys[0]] * b
        # Colluders answer validly, so nobody faults: the model has no crashes.
        decision = protocol.decide_as_voted(keys, q=q, f=n - q, faults=0)
        if decision.winner is None:
            counts["none"] += 1
        elif decision.winner == CORRECT_KEY:
            counts["correct"] += 1
        else:
            counts["wrong"] += 1
    return Simulation(trials, counts["correct"], counts["wrong"], counts["none"])


# --- grouping ---------------------------------------------------------------------------


def outcome_intervals(outcomes: Sequence[str]) -> dict[str, Interval]:
    """Wilson intervals for the share of ``correct``, ``wrong`` and ``none`` in a list of
    per-case outcomes (each one of those three words)."""
    counts = Counter(outcomes)
    unknown = set(counts) - {"correct", "wrong", "none"}
    if unknown:
        raise MetricsError(f"unknown outcomes {sorted(unknown)}")
    return {name: wilson(counts[name], len(outcomes)) for name in ("correct", "wrong", "none")}


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean, 0.0 for no values."""
    return sum(values) / len(values) if values else 0.0


def quantile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile by linear interpolation between order statistics, 0.0 for no
    values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def group_outcomes(groups: Mapping[str, Sequence[str]]) -> dict[str, dict[str, Interval]]:
    """:func:`outcome_intervals` for every group of per-case outcomes."""
    return {name: outcome_intervals(outcomes) for name, outcomes in groups.items()}
