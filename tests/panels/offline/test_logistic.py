"""The logistic-regression reasoner (panels.offline.logistic) and the default panel's member
that uses it (Offline-5). Invented notes (not from any evaluation set)."""

from __future__ import annotations

import random
import re

import pytest

from panels import demo
from panels.offline import knowledge, logistic, member, methods
from panels.offline.member import default_members
from tests.panels.offline.members import read_tokens as read

SEED = 5
# Ascending numbness from the feet after a gut infection: the regression weighs the rising
# tingling for Guillain-Barré syndrome; the stored cases most like these few findings are
# panic attacks (Offline-3's top), the commonest cases with tingling and weakness.
GUILLAIN_BARRE = (
    "22M tingling in both feet rising up the legs over 3 days, weakness, recent diarrhoea."
)


@pytest.fixture(scope="module")
def held_out(kb) -> frozenset[int]:
    return frozenset(random.Random(2).sample(range(len(kb.rows)), 150))


@pytest.fixture(scope="module")
def model(kb, held_out) -> logistic.Logistic:
    return logistic.train(kb, seed=SEED, exclude=held_out)


def offline_5(kb) -> member.Member:
    (fifth,) = [
        m
        for m, f in zip(default_members(kb), demo.OFFLINE_MEMBERS, strict=True)
        if f["alias"] == "Offline-5"
    ]
    return fifth


def test_the_model_is_cached_per_seed_and_excluded_rows(kb, held_out, model):
    assert logistic.train(kb, seed=SEED, exclude=frozenset(sorted(held_out))) is model
    assert not set(model.rows) & held_out
    assert logistic.train(kb, seed=SEED + 1, exclude=held_out).rows != model.rows


def test_the_explanation_names_the_stated_findings_that_weigh_for_the_top_condition(kb, model):
    findings, age, sex = read(GUILLAIN_BARRE, kb)
    result = model.assess(findings, age, sex)
    (line,) = result.explanation
    top = result.ranking[0].condition
    match = re.fullmatch(
        rf"Logistic regression: the stated findings that weigh most for {re.escape(top)}: "
        r"(.+)\.",
        line,
    )
    assert match, line
    stated = {knowledge.finding_text(token, kb=kb) for token in findings}
    rest = match.group(1)  # a finding's words may hold a comma: take out whole findings
    named = [words for words in sorted(stated, key=len, reverse=True) if words in rest]
    for words in named:
        rest = rest.replace(words, "")
    assert set(rest) <= {",", " "} and 1 <= len(named) <= logistic.FINDINGS_SHOWN, line
    column = model.conditions.index(top)
    for token in findings:  # only findings whose weight favours the top condition are named
        feature = next(iter(methods.features({token}, kb=kb)), None)
        if feature in model.columns and model.weights[model.columns[feature], column] <= 0:
            assert knowledge.finding_text(token, kb=kb) not in named, token
    assert "No stated finding weighs" in model.assess(frozenset(), None, None).explanation[0]


def test_silence_is_no_evidence_against_a_condition(kb, model):
    # Trained on copies of rows with findings left unsaid: a note that states three findings
    # of a full questionnaire's dozen still points to the row's condition.
    row = next(r for r in kb.rows if r.pathology == "GERD" and len(r.evidences) > 8)
    full = model.assess(frozenset(row.evidences), row.age, row.sex)
    assert full.ranking[0].condition == "GERD"
    note = read("Heartburn worse after meals and lying flat, sour taste, cough at night.", kb)
    assert model.assess(*note).ranking[0].condition == "GERD"


def test_offline_5_answers_with_its_explanation(kb):
    answer = offline_5(kb).propose(GUILLAIN_BARRE)
    assert answer["diagnosis"] == "Guillain-Barré syndrome", answer["reasoning"]
    reasoning = str(answer["reasoning"])
    assert "this member reasons with a logistic regression over the findings" in reasoning
    assert "the stated findings that weigh most for Guillain-Barré syndrome: " in reasoning
    assert "Understood: " in reasoning and "(fitted on " in reasoning
    assert 50 <= int(answer["confidence"]) < 100


@pytest.mark.parametrize(
    "text", ["asdf qwerty zxcv", "Eggs, milk, two loaves of bread, washing-up liquid."]
)
def test_offline_5_abstains_on_text_that_is_not_a_case(kb, text):
    answer = offline_5(kb).propose(text)
    assert answer["abstain"] is True and answer["diagnosis"] is None
    assert str(answer["reasoning"]).startswith("I abstain: this does not read as a clinical case")


def test_offline_5_never_names_ebola_without_the_exposure_it_requires(kb):
    ebola = kb.conditions["Ebola"]
    fifth = offline_5(kb)
    rows = [r for r in kb.rows if r.pathology == "Ebola"][:5]
    for row in rows:
        unexposed = tuple(
            t for t in row.evidences if t not in ebola.requires and t != "E_204_@_V_1"
        )
        stripped = knowledge.PatientRow(
            row.age, row.sex, row.pathology, unexposed, row.initial, row.source
        )
        assert ebola not in fifth.assess(knowledge.render_patient(stripped)).ranking.conditions
    exposed = fifth.assess(knowledge.render_patient(rows[0]))
    assert exposed.ranking.conditions[0] is ebola


def test_its_errors_are_not_offline_3s(kb):
    members = dict(
        zip((f["alias"] for f in demo.OFFLINE_MEMBERS), default_members(kb), strict=True)
    )
    third, fifth = members["Offline-3"], members["Offline-5"]
    assert (third.method, fifth.method) == ("neighbours", "logistic")
    assert third.assess(GUILLAIN_BARRE).ranking.conditions[0].name != "Guillain-Barré syndrome"
    assert fifth.assess(GUILLAIN_BARRE).ranking.conditions[0].name == "Guillain-Barré syndrome"
