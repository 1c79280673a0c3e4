from __future__ import annotations

import random

import numpy as np
import pytest

from panels.offline import calibration, methods, neighbours, renderings, text_classifier


def overconfident(count: int, seed: int) -> tuple[list[float], list[bool]]:
    """Outcomes right with probability t, reported as t ** 0.2: sure of everything."""
    rng = random.Random(seed)
    scores, correct = [], []
    for _ in range(count):
        t = rng.random()
        scores.append(t**0.2)
        correct.append(rng.random() < t)
    return scores, correct


def test_calibration_lowers_the_error_of_miscalibrated_scores():
    train_scores, train_correct = overconfident(2000, seed=1)
    scores, correct = overconfident(2000, seed=2)
    calibrator = calibration.fit(train_scores, train_correct)
    before = calibration.expected_calibration_error(scores, correct)
    after = calibration.expected_calibration_error([calibrator(s) for s in scores], correct)
    assert before > 0.2
    assert after < 0.05
    assert calibrator(0.6) < 0.2 and calibrator(0.99) > 0.8  # t = 0.08 and t = 0.95


def test_the_calibrated_probability_is_monotone_and_never_exactly_0_or_1():
    calibrator = calibration.fit(*overconfident(500, seed=3))
    grid = [i / 200 for i in range(201)] + [-5.0, 7.0]
    values = [calibrator(s) for s in sorted(grid)]
    assert values == sorted(values)
    assert all(0 < v < 1 for v in values)
    always = calibration.fit([0.2, 0.5, 0.9], [True, True, True])
    never = calibration.fit([0.2, 0.5, 0.9], [False, False, False])
    assert always(1.0) == pytest.approx(1 - 1 / 5) and never(0.0) == pytest.approx(1 / 5)


def test_expected_calibration_error_and_reliability_bins_of_known_values():
    probabilities = [0.9, 0.9, 0.1, 0.1, 1.0]
    correct = [True, False, False, False, True]
    assert calibration.reliability_bins(probabilities, correct) == [
        (0.1, 0.0, 2),
        (pytest.approx(0.9333333), pytest.approx(2 / 3), 3),
    ]
    expected = (2 * 0.1 + 3 * abs(0.9333333 - 2 / 3)) / 5
    assert calibration.expected_calibration_error(probabilities, correct) == pytest.approx(expected)
    assert calibration.expected_calibration_error([0.75] * 4, [True, True, True, False]) == 0.0
    assert calibration.expected_calibration_error([0.75] * 4, [True] * 4) == 0.25  # too modest


@pytest.mark.parametrize(
    ("scores", "correct", "message"),
    [
        ([0.5], [True, False], "differ in length"),
        ([], [], "No scores"),
        ([float("nan")], [True], "finite number"),
        (["0.5"], [True], "finite number"),
    ],
)
def test_bad_input_is_a_clear_error(scores, correct, message):
    with pytest.raises(ValueError, match=message):
        calibration.fit(scores, correct)
    with pytest.raises(ValueError, match=message):
        calibration.expected_calibration_error(scores, correct)


def test_a_probability_outside_0_to_1_is_refused_by_the_measures():
    with pytest.raises(ValueError, match="from 0 to 1"):
        calibration.reliability_bins([1.2], [True])
    with pytest.raises(ValueError, match="bins"):
        calibration.reliability_bins([0.2], [True], bins=0)


def test_held_out_rows_are_neither_trained_on_nor_set_aside(kb, monkeypatch):
    trained, exclude = set(range(0, 1200)), set(range(1200, 1700))
    rendered = []
    real = renderings.render_variants

    def spy(row, kb, *, seed, count):
        rendered.append(kb.rows.index(row))
        return real(row, kb, seed=seed, count=count)

    monkeypatch.setattr(renderings, "render_variants", spy)

    def assess(text):
        return methods.MethodResult((methods.Scored("URTI", 0.5),), ())

    scores, correct = calibration.held_out_scores(
        kb, assess, trained=trained, exclude=exclude, seed=4, limit=100
    )
    assert len(rendered) == len(scores) == 100
    assert all(i >= 1700 for i in rendered)
    assert rendered == sorted(set(rendered))


FOLD = 4  # the evaluation sets every 4th row aside


def measured(kb, assess, rows):
    raw, right = [], []
    for index in rows:
        row = kb.rows[index]
        (text,) = renderings.render_variants(row, kb, seed=123, count=1)
        top = assess(text).ranking[0]
        raw.append(top.probability)
        right.append(top.condition == row.pathology)
    return raw, right


def test_the_text_classifier_calibrated_on_held_out_renderings_says_how_often_it_is_right(kb):
    exclude = frozenset(range(0, len(kb.rows), FOLD))
    model = text_classifier.train(kb, seed=8, exclude=exclude)
    calibrator = calibration.for_text_classifier(kb, seed=8, exclude=exclude)
    assert calibration.for_text_classifier(kb, seed=8, exclude=exclude) is calibrator  # cached
    raw, right = measured(kb, model.assess, sorted(exclude)[:300])  # never seen by either
    calibrated = [calibrator(p) for p in raw]
    before = calibration.expected_calibration_error(raw, right)
    after = calibration.expected_calibration_error(calibrated, right)
    assert after < before / 2
    assert abs(np.mean(calibrated) - np.mean(right)) < 0.05


def test_a_findings_calibrator_reads_text_as_the_member_does(kb):
    exclude = frozenset(range(0, len(kb.rows), FOLD))
    model = neighbours.train(kb, seed=8, exclude=exclude)
    calibrator = calibration.for_findings(model, kb, seed=8, exclude=exclude)

    def assess(text):
        return model.assess(*calibration.read_case(text, kb=kb))

    raw, right = measured(kb, assess, sorted(exclude)[:150])
    assert abs(np.mean([calibrator(p) for p in raw]) - np.mean(right)) < 0.1
    blind = calibration.for_findings(
        model, kb, seed=8, exclude=exclude, read=lambda text: (frozenset(), None, None)
    )
    assert blind.count == calibrator.count and blind(0.9) < calibrator(
        0.9
    )  # a blind reader is rarely right
