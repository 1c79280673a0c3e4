"""Quorum arithmetic as pure functions: which (n, q, f) panels are safe, and the exact
probabilities of correct, wrong and no consensus. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

QUORUM_NOT_MAJORITY = (
    "q={q} is not more than half of n={n}: two different diagnoses could both reach quorum. "
    "Use q >= {min_q}."
)
QUORUM_NOT_ABOVE_FAULTS = (
    "q={q} is not more than f={f}: the {f} faulty members could decide on their own. "
    "Use q >= {min_q_f}."
)
HONEST_CANNOT_DECIDE = (
    "n - f = {honest} is less than q={q}: when {f} members fail, the {honest} honest members "
    "can no longer reach quorum. Lower f or q, or add members."
)
BAD_SIZES = "n must be at least 1 and q, f at least 0 (got n={n}, q={q}, f={f})."


class QuorumError(ValueError):
    """A panel configuration that breaks a quorum rule; the message names the rule and why
    it matters."""


@dataclass(frozen=True)
class QuorumRules:
    """A valid-or-not panel shape: ``n`` members, quorum ``q``, ``f`` faults tolerated."""

    n: int
    q: int
    f: int

    def problems(self) -> list[str]:
        """Every rule this configuration breaks, in words; empty when it is valid."""
        n, q, f = self.n, self.q, self.f
        if n < 1 or q < 0 or f < 0:
            return [BAD_SIZES.format(n=n, q=q, f=f)]
        found = []
        if not 2 * q > n:
            found.append(QUORUM_NOT_MAJORITY.format(n=n, q=q, min_q=n // 2 + 1))
        if not q > f:
            found.append(QUORUM_NOT_ABOVE_FAULTS.format(q=q, f=f, min_q_f=f + 1))
        if not n - f >= q:
            found.append(HONEST_CANNOT_DECIDE.format(honest=n - f, q=q, f=f))
        return found

    @property
    def guarantees(self) -> str:
        """The configuration's promises in one plain sentence (for a valid configuration)."""
        faulty = "faulty member" if self.f == 1 else "faulty members"
        return (
            f"Tolerates {self.f} {faulty}; {self.q} of {self.n} votes decide; "
            f"no two diagnoses can both reach {self.q} votes."
        )


def validate(n: int, q: int, f: int) -> QuorumRules:
    """The rules for a valid panel; raises QuorumError naming every rule that fails."""
    rules = QuorumRules(n=n, q=q, f=f)
    if found := rules.problems():
        raise QuorumError(" ".join(found))
    return rules


def largest_tolerable_faults(n: int, q: int) -> int:
    """The largest f for which (n, q, f) is valid, or -1 when q itself is invalid for n."""
    if not (2 * q > n and q <= n):
        return -1
    return min(q - 1, n - q)


@dataclass(frozen=True)
class Reliability:
    """Exact outcome probabilities; the three always sum to 1."""

    correct: float
    wrong: float
    none: float


def _binom_tail(trials: int, p: float, at_least: int) -> float:
    """P(X >= at_least) for X ~ Binomial(trials, p), by exact summation."""
    at_least = max(at_least, 0)
    return sum(
        comb(trials, j) * p**j * (1 - p) ** (trials - j) for j in range(at_least, trials + 1)
    )


def reliability(*, n: int, q: int, p: float, k: int = 1, b: int = 0) -> Reliability:
    """Exact probabilities of correct, wrong and no consensus when each of the ``n - b``
    honest members is independently wrong with probability ``p``, wrong answers spread
    uniformly over ``k`` alternatives, and ``b`` colluding faulty members all vote for one of
    those alternatives. Round 1 answers are voted as they are.

    Because q > n/2, at most one class reaches quorum, so the wrong-consensus probability
    is a sum of disjoint binomial tails. Raises QuorumError for impossible inputs.
    """
    if not 0 <= p <= 1 or k < 1 or not 0 <= b <= n or 2 * q <= n:
        raise QuorumError(
            f"Need 0 <= p <= 1, k >= 1, 0 <= b <= n and q > n/2 (got n={n}, q={q}, p={p}, "
            f"k={k}, b={b})."
        )
    honest = n - b
    correct = _binom_tail(honest, 1 - p, q)
    wrong = 0.0
    for w in range(honest + 1):
        p_w = comb(honest, w) * p**w * (1 - p) ** (honest - w)
        if p_w == 0.0:
            continue
        # The colluders' target starts with b votes; every other alternative with none.
        if b:
            reach = _binom_tail(w, 1 / k, q - b) + (k - 1) * _binom_tail(w, 1 / k, q)
        else:
            reach = k * _binom_tail(w, 1 / k, q)
        wrong += p_w * reach
    return Reliability(correct=correct, wrong=wrong, none=max(0.0, 1 - correct - wrong))


def reliability_table(
    *, n: int, q: int, p: float, ks: tuple[int, ...] = (1, 3, 10), bs: tuple[int, ...] = (0, 1, 2)
) -> list[tuple[int, int, Reliability]]:
    """Rows (b, k, Reliability) for every colluder count in ``bs`` that fits the panel."""
    return [(b, k, reliability(n=n, q=q, p=p, k=k, b=b)) for b in bs if b <= n for k in ks]
