"""Quorum rules and the exact reliability table (pure: no database)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases import protocol
from panels import quorum


@pytest.mark.parametrize(
    ("k", "b", "quoted"),
    [
        (1, 0, {"correct": "0.99144", "wrong": "0.00856"}),
        (3, 0, {"correct": "0.99144", "wrong": "0.00106"}),
        (10, 0, {"correct": "0.99144", "wrong": "0.00010"}),
        (10, 2, {"correct": "0.7290", "wrong": "0.0297", "none": "0.2413"}),
    ],
)
def test_reliability_reproduces_the_design_reference_figures(k, b, quoted):
    r = quorum.reliability(n=5, q=3, p=0.10, k=k, b=b)

    for name, figure in quoted.items():
        decimals = len(figure.split(".")[1])
        assert f"{getattr(r, name):.{decimals}f}" == figure, name
    assert r.correct + r.wrong + r.none == pytest.approx(1.0)


def brute_force(n: int, q: int, p: float, k: int, b: int) -> tuple[float, float]:
    """Enumerate every honest answer vector: 0 is correct, 1..k the wrong alternatives."""
    correct = wrong = 0.0
    for answers in itertools.product(range(k + 1), repeat=n - b):
        prob = 1.0
        for a in answers:
            prob *= (1 - p) if a == 0 else p / k
        votes = [answers.count(c) for c in range(k + 1)]
        votes[1 if k else 0] += b  # colluders all push alternative 1
        if votes[0] >= q:
            correct += prob
        elif max(votes[1:], default=0) >= q:
            wrong += prob
    return correct, wrong


@given(
    n=st.integers(1, 6),
    p=st.floats(0.0, 1.0),
    k=st.integers(1, 3),
    data=st.data(),
)
def test_reliability_matches_brute_force_enumeration(n, p, k, data):
    q = data.draw(st.integers(n // 2 + 1, n))
    b = data.draw(st.integers(0, n))
    correct, wrong = brute_force(n, q, p, k, b)

    r = quorum.reliability(n=n, q=q, p=p, k=k, b=b)

    assert r.correct == pytest.approx(correct, abs=1e-12)
    assert r.wrong == pytest.approx(wrong, abs=1e-12)


def test_the_seed_configuration_is_valid_and_says_what_it_guarantees():
    rules = quorum.validate(5, 3, 2)

    assert rules.guarantees == (
        "Tolerates 2 faulty members; 3 of 5 votes decide; no two diagnoses can both reach 3 votes."
    )


@pytest.mark.parametrize(
    ("n", "q", "f", "says"),
    [
        (4, 2, 1, "two different diagnoses could both reach quorum"),
        (5, 3, 3, "could decide on their own"),
        (5, 4, 2, "can no longer reach quorum"),
    ],
)
def test_each_broken_rule_is_named_with_why_it_matters(n, q, f, says):
    with pytest.raises(quorum.QuorumError, match=says):
        quorum.validate(n, q, f)


@st.composite
def valid_panel_and_ballots(draw: st.DrawFn) -> tuple[quorum.QuorumRules, list[int], list[int]]:
    # A panel the rules accept, and its members' votes: honest members over a few classes,
    # then up to f faulty members, all voting for the one faulty class.
    # Drawn inside the rules (q > n/2, q > f, n - f >= q) rather than filtered, so Hypothesis
    # does not discard most draws; the assertion keeps the construction honest.
    n = draw(st.integers(1, 12))
    q = draw(st.integers(n // 2 + 1, n))
    f = draw(st.integers(0, min(q - 1, n - q)))
    rules = quorum.QuorumRules(n, q, f)
    assert not rules.problems(), (n, q, f)
    faulty = draw(st.integers(0, f))
    honest = draw(st.lists(st.integers(0, 3), min_size=n - faulty, max_size=n - faulty))
    return rules, honest, [FAULTY_CLASS] * faulty


FAULTY_CLASS = 9


def _decide(rules: quorum.QuorumRules, ballots: list[int], *, faults: int) -> protocol.Decision:
    # The real decision: every voter proposed its class in Round 1 (confidently) and votes
    # for the first proposal of that class in Round 2.
    answers = [protocol.Answer(f"K{c}", 90) for c in ballots]
    votes = [ballots.index(c) for c in ballots]
    return protocol.decide(q=rules.q, f=rules.f, faults=faults, answers=answers, votes=votes)


@given(valid_panel_and_ballots())
def test_valid_configurations_never_admit_two_winners_or_a_faulty_decision(drawn):
    rules, honest, faulty = drawn

    decision = _decide(rules, honest + faulty, faults=0)

    # At most one class ever reaches q (a second one would need more than n voters) ...
    assert sum(1 for count in decision.tally.values() if count >= rules.q) <= 1
    if decision.winner is not None:
        assert decision.tally[decision.winner] >= rules.q
    # ... and the faulty members' class never wins on their votes alone.
    honest_for_it = honest.count(FAULTY_CLASS)
    if decision.winner == f"K{FAULTY_CLASS}":
        assert honest_for_it + len(faulty) >= rules.q and honest_for_it > 0


@given(valid_panel_and_ballots())
def test_the_honest_members_alone_decide_when_f_members_fail(drawn):
    rules, _, _ = drawn
    honest = [0] * (rules.n - rules.f)  # the f others failed and cast nothing

    decision = _decide(rules, honest, faults=rules.f)

    assert (decision.outcome, decision.winner) == ("consensus", "K0")


@given(n=st.integers(1, 30), q=st.integers(1, 30))
def test_largest_tolerable_faults_is_valid_and_one_more_is_not(n, q):
    f = quorum.largest_tolerable_faults(n, q)
    if f < 0:
        assert quorum.QuorumRules(n, q, 0).problems()
        return
    assert not quorum.QuorumRules(n, q, f).problems()
    assert quorum.QuorumRules(n, q, f + 1).problems()
