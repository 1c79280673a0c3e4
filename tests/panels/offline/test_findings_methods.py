"""What every method that reads a text's findings must do (the case-based reasoner,
panels.offline.neighbours, the logistic regression, panels.offline.logistic, and the profile
match, panels.offline.profiles; each one of member.FINDINGS_METHODS): the same answers from
the same seed, far above chance on renderings of rows it never saw, and a full ranking, best
first."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from panels.offline import extraction, knowledge, logistic, member, neighbours, profiles, renderings
from tests.panels.offline.members import read_tokens


def read_findings(text: str, kb) -> tuple[frozenset[str], int | None, str | None]:
    return (
        frozenset(extraction.extract_findings(text, kb=kb)),
        *knowledge.extract_demographics(text),
    )


@dataclass(frozen=True)
class Method:
    module: Any  # exposes train(kb, seed=, exclude=) and the cached _train
    seed: int
    sample_seed: int  # which rows are held out
    rendering_seed: int
    read: Callable[[str, Any], tuple[frozenset[str], int | None, str | None]]


METHODS = {
    "neighbours": Method(neighbours, seed=3, sample_seed=1, rendering_seed=77, read=read_findings),
    "logistic": Method(logistic, seed=5, sample_seed=2, rendering_seed=78, read=read_tokens),
    "profiles": Method(profiles, seed=4, sample_seed=4, rendering_seed=79, read=read_tokens),
}


def test_every_findings_method_of_the_members_is_judged_here():
    assert set(METHODS) == set(member.FINDINGS_METHODS)
    for name, method in METHODS.items():
        assert member.FINDINGS_METHODS[name].train is method.module.train


@pytest.fixture(scope="module", params=sorted(METHODS))
def method(request) -> Method:
    return METHODS[request.param]


@pytest.fixture(scope="module")
def held_out(kb, method) -> frozenset[int]:
    return frozenset(random.Random(method.sample_seed).sample(range(len(kb.rows)), 150))


@pytest.fixture(scope="module")
def model(kb, method, held_out) -> Any:
    return method.module.train(kb, seed=method.seed, exclude=held_out)


def test_the_same_seed_gives_the_same_answers(kb, method, held_out, model):
    rebuilt = method.module._train.__wrapped__(kb, method.seed, held_out)  # bypass the cache
    assert rebuilt is not model
    query = method.read("58M fever, productive cough, pleuritic chest pain, SOB. Smoker.", kb)
    assert rebuilt.assess(*query) == model.assess(*query)


def test_it_is_right_far_above_chance_on_renderings_of_rows_it_never_saw(
    kb, method, held_out, model
):
    right = 0
    for index in sorted(held_out):
        row = kb.rows[index]
        (text,) = renderings.render_variants(row, kb, seed=method.rendering_seed, count=1)
        right += model.assess(*method.read(text, kb)).ranking[0].condition == row.pathology
    assert right / len(held_out) > 0.7  # chance is 1 in 49


def test_the_ranking_covers_every_condition_best_first(kb, method, model):
    result = model.assess(*method.read("Wheeze and SOB at night, cough. Hx asthma.", kb))
    assert sorted(s.condition for s in result.ranking) == sorted(kb.conditions)
    probabilities = [s.probability for s in result.ranking]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)
