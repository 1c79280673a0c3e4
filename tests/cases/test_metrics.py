"""The measurement arithmetic against hand-computed values, and the Monte Carlo simulation
of the decision rule against the exact reliability table."""

from __future__ import annotations

import math

import pytest

from cases import metrics
from panels import quorum

# Fleiss (1971) as worked on Wikipedia ("Fleiss' kappa", worked example): 10 subjects,
# 14 raters, 5 categories; kappa = 0.210.
WIKIPEDIA_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_wilson_interval_for_8_of_10_matches_hand_computation():
    # centre (0.8 + 1.96^2/20) / (1 + 1.96^2/10) = 0.71674,
    # half 1.96 * sqrt(0.016 + 1.96^2/400) / (1 + 1.96^2/10) = 0.22658
    interval = metrics.wilson(8, 10)
    assert interval.rate == 0.8
    assert interval.low == pytest.approx(0.4902, abs=1e-4)
    assert interval.high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_for_0_of_10_is_not_empty():
    # At 0 successes the upper bound is z^2 / (n + z^2) = 3.8415 / 13.8415.
    interval = metrics.wilson(0, 10)
    assert interval.low == 0.0
    assert interval.high == pytest.approx(0.2775, abs=1e-4)


def test_wilson_interval_is_symmetric_in_successes_and_failures():
    a, b = metrics.wilson(3, 17), metrics.wilson(14, 17)
    assert a.low == pytest.approx(1 - b.high)
    assert a.high == pytest.approx(1 - b.low)


def test_wilson_interval_with_no_observations_is_uninformative():
    interval = metrics.wilson(0, 0)
    assert (interval.low, interval.high) == (0.0, 1.0)


def test_wilson_rejects_impossible_counts():
    with pytest.raises(metrics.MetricsError):
        metrics.wilson(11, 10)


def test_fleiss_kappa_on_the_wikipedia_example_is_0_210():
    assert metrics.fleiss_kappa(WIKIPEDIA_TABLE) == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_kappa_is_one_for_perfect_agreement_and_negative_below_chance():
    assert metrics.fleiss_kappa([[3, 0], [0, 3], [3, 0]]) == pytest.approx(1.0)
    # Two raters who always disagree: observed agreement 0, expected 0.5.
    assert metrics.fleiss_kappa([[1, 1], [1, 1]]) == pytest.approx(-1.0)


def test_fleiss_kappa_rejects_unequal_rater_counts():
    with pytest.raises(metrics.MetricsError):
        metrics.fleiss_kappa([[2, 1], [1, 1]])


def test_rating_table_counts_each_category_once_per_rating():
    table = metrics.rating_table([["J18", "J18", "I26"], ["I26", "I26", "I26"]])
    assert table == [[1, 2], [3, 0]]  # columns sorted: I26, J18


def test_phi_of_identical_and_opposite_series():
    a = [True, False, True, False]
    assert metrics.phi(a, a) == pytest.approx(1.0)
    assert metrics.phi(a, [not x for x in a]) == pytest.approx(-1.0)
    assert metrics.phi(a, [True] * 4) is None


def test_phi_matches_a_hand_computed_two_by_two_table():
    # both wrong 2, only a 1, only b 1, neither 4: (8*2 - 3*3) / sqrt(3*5*3*5) = 7/15
    a = [True, True, True, False, False, False, False, False]
    b = [True, True, False, True, False, False, False, False]
    assert metrics.phi(a, b) == pytest.approx(7 / 15)


def test_error_correlation_is_symmetric_with_undefined_constant_rows():
    errors = [[True, False, True], [True, False, False], [True, True, True]]
    matrix = metrics.error_correlation(errors)
    assert matrix[0][1] == matrix[1][0]
    assert matrix[0][0] == pytest.approx(1.0)
    assert matrix[2][2] is None and matrix[0][2] is None


def test_effective_alternatives_inverts_the_share_of_agreeing_wrong_pairs():
    # 3 pairs on the first case of which 1 agrees, 1 pair on the second that agrees: 4/2.
    assert metrics.effective_alternatives([["a", "a", "b"], ["c", "c"]]) == 2.0
    assert metrics.effective_alternatives([["a", "b"]]) == math.inf
    assert metrics.effective_alternatives([["a"], []]) is None


def test_outcome_intervals_split_cases_into_three_rates():
    found = metrics.outcome_intervals(["correct"] * 8 + ["wrong", "none"])
    assert found["correct"].rate == 0.8
    assert found["wrong"].successes == 1 and found["none"].total == 10


def test_quantile_interpolates_between_order_statistics():
    assert metrics.quantile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert metrics.quantile([], 0.5) == 0.0


@pytest.mark.parametrize(
    ("p", "k", "b"),
    [(0.10, 1, 0), (0.10, 3, 0), (0.30, 3, 0), (0.10, 10, 2), (0.25, 3, 1)],
)
def test_simulated_rates_agree_with_the_exact_table_within_sampling_error(p, k, b):
    trials = 20_000
    sim = metrics.simulate(n=5, q=3, p=p, k=k, b=b, trials=trials, seed=20240601)
    exact = quorum.reliability(n=5, q=3, p=p, k=k, b=b)
    assert sim.correct + sim.wrong + sim.none == trials
    for outcome in ("correct", "wrong", "none"):
        expected = getattr(exact, outcome)
        # 4 standard errors, with a floor of one trial's worth for rates near 0.
        tolerance = 4 * max(sim.standard_error(outcome, expected=expected), 1 / trials)
        assert abs(sim.rate(outcome) - expected) <= tolerance, outcome


def test_simulation_detects_a_wrong_table():
    # The same check must fail against a table for a different error rate, or it proves nothing.
    sim = metrics.simulate(n=5, q=3, p=0.10, k=1, b=0, trials=20_000, seed=7)
    other = quorum.reliability(n=5, q=3, p=0.15, k=1, b=0)
    tolerance = 4 * sim.standard_error("correct", expected=other.correct)
    assert abs(sim.rate("correct") - other.correct) > tolerance


def test_simulation_is_reproducible_for_a_seed():
    first = metrics.simulate(n=5, q=3, p=0.2, k=3, b=1, trials=500, seed=3)
    assert first == metrics.simulate(n=5, q=3, p=0.2, k=3, b=1, trials=500, seed=3)


# --- the exact bound of the calibrated guarantee -------------------------------------------


def test_clopper_pearson_bound_for_0_of_299_is_just_under_one_percent():
    assert metrics.clopper_pearson_upper(0, 299, delta=0.05) == pytest.approx(0.009969, abs=1e-6)
    assert metrics.clopper_pearson_upper(0, 298, delta=0.05) > 0.01


def test_clopper_pearson_bound_matches_closed_forms_and_scipy_exact_interval():
    from scipy.stats import binomtest

    # No failures: P(no failure) = (1 - p) ** n = delta gives p = 1 - delta ** (1 / n).
    for n in (1, 10, 100):
        assert metrics.clopper_pearson_upper(0, n, delta=0.05) == pytest.approx(1 - 0.05 ** (1 / n))
    # A one-sided 95 % bound is the upper end of the two-sided 90 % exact interval.
    for k, n in ((1, 100), (5, 50), (3, 30), (20, 1000)):
        exact = binomtest(k, n).proportion_ci(confidence_level=0.90, method="exact").high
        assert metrics.clopper_pearson_upper(k, n, delta=0.05) == pytest.approx(exact, rel=1e-9)
    assert metrics.clopper_pearson_upper(1, 100, delta=0.05) == pytest.approx(0.04656, abs=1e-5)


def test_clopper_pearson_bound_is_one_without_observations_or_when_all_failed():
    assert metrics.clopper_pearson_upper(0, 0, delta=0.05) == 1.0
    assert metrics.clopper_pearson_upper(7, 7, delta=0.05) == 1.0
    with pytest.raises(metrics.MetricsError):
        metrics.clopper_pearson_upper(3, 2, delta=0.05)
    with pytest.raises(metrics.MetricsError):
        metrics.clopper_pearson_upper(0, 10, delta=1.0)


def test_trials_needed_for_a_one_percent_bound_is_299_without_errors():
    assert metrics.trials_needed(alpha=0.01, delta=0.05) == 299
    needed = metrics.trials_needed(alpha=0.01, delta=0.05, failures=1)
    assert metrics.clopper_pearson_upper(1, needed, delta=0.05) <= 0.01
    assert metrics.clopper_pearson_upper(1, needed - 1, delta=0.05) > 0.01
