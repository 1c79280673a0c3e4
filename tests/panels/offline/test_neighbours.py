from __future__ import annotations

import random
import re

import pytest

from panels.offline import extraction, knowledge, methods, neighbours

SEED = 3


@pytest.fixture(scope="module")
def held_out(kb) -> frozenset[int]:
    return frozenset(random.Random(1).sample(range(len(kb.rows)), 150))


@pytest.fixture(scope="module")
def case_base(kb, held_out) -> neighbours.Neighbours:
    return neighbours.train(kb, seed=SEED, exclude=held_out)


def read(text: str, kb) -> tuple[frozenset[str], int | None, str | None]:
    return (
        frozenset(extraction.extract_findings(text, kb=kb)),
        *knowledge.extract_demographics(text),
    )


def test_the_case_base_is_cached_per_seed_and_excluded_rows(kb, held_out, case_base):
    hits = neighbours._train.cache_info().hits
    assert neighbours.train(kb, seed=SEED, exclude=frozenset(sorted(held_out))) is case_base
    assert neighbours._train.cache_info().hits == hits + 1
    assert neighbours.train(kb, seed=SEED + 1, exclude=held_out).rows != case_base.rows


def test_excluded_rows_are_never_stored_or_consulted(kb):
    pneumonia = frozenset(i for i, row in enumerate(kb.rows) if row.pathology == "Pneumonia")
    without = neighbours.train(kb, seed=SEED, exclude=pneumonia)
    assert not set(without.rows) & pneumonia
    row = kb.rows[min(pneumonia)]
    result = without.assess(frozenset(row.evidences), row.age, row.sex)
    probability = {s.condition: s.probability for s in result.ranking}
    assert probability["Pneumonia"] == 0.0
    assert "Pneumonia" not in result.explanation[0]
    with_it = neighbours.train(kb, seed=SEED).assess(frozenset(row.evidences), row.age, row.sex)
    assert with_it.ranking[0].condition == "Pneumonia"  # the row itself would be found


def test_the_explanation_counts_the_similar_cases_and_names_shared_findings(kb, case_base):
    text = "34F with sore throat, fever, runny nose and cough for 2 days."
    findings, age, sex = read(text, kb)
    result = case_base.assess(findings, age, sex)
    (line,) = result.explanation
    top = result.ranking[0].condition
    match = re.fullmatch(
        rf"(\d) of the {neighbours.K} most similar stored cases had {re.escape(top)}; "
        r"shared findings: (.+)\.",
        line,
    )
    assert match and int(match.group(1)) >= 1, line
    stated = {knowledge.finding_text(token, kb=kb) for token in findings}
    assert set(match.group(2).split(", ")) <= stated


def test_age_and_sex_nudge_the_ranking_softly(kb, case_base):
    findings, _, _ = read("Cough and fever.", kb)
    child = case_base.assess(findings, 3, "M")
    elder = case_base.assess(findings, 80, "F")
    assert child.ranking != elder.ranking
    unstated = case_base.assess(findings, None, None)
    assert {s.condition for s in unstated.ranking} == set(kb.conditions)


def test_no_finding_gives_a_ranking_that_says_so(kb, case_base):
    result = case_base.assess(frozenset(), None, None)
    assert "states no finding" in result.explanation[0]
    assert len(result.ranking) == len(kb.conditions)


def test_every_row_excluded_is_a_clear_error(kb):
    with pytest.raises(ValueError, match="nothing to train on"):
        neighbours.train(kb, seed=1, exclude=frozenset(range(len(kb.rows))))
    assert methods.training_sample(
        10, seed=1, exclude=frozenset({0, 1})
    ) == methods.training_sample(10, seed=1, exclude=frozenset({1, 0}))
