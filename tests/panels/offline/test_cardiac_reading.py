"""How the offline panel reads the chest-pain conditions a clinician tells apart by words DDXPlus
codes otherwise: an infarction whose note reads like an acute coronary syndrome to the text
classifier, and the osteoporosis behind a rib that breaks on coughing. Invented notes (not
from any evaluation set)."""

from __future__ import annotations

import pytest

from panels.offline import corroboration, extraction, knowledge, methods
from panels.offline.member import default_members

STEMI = (
    "60M crushing central CP for 1 h radiating to the L arm and jaw, came on at rest, sweaty "
    "and nauseated. Smoker, HTN. ECG: 2 mm ST elevation II, III, aVF. Cath lab activated."
)
# How the classifier reads such a note: an acute coronary syndrome, mostly its angina's words.
ACS_WORDS = (
    methods.Scored("Unstable angina", 0.20),
    methods.Scored("Spontaneous pneumothorax", 0.15),
    methods.Scored("Possible NSTEMI / STEMI", 0.03),
    methods.Scored("Stable angina", 0.02),
)


def _reads_like_acs(monkeypatch):
    result = methods.MethodResult(ACS_WORDS, ())
    monkeypatch.setattr(corroboration, "reading", lambda kb, seed, holdout, text: result)


def test_a_sign_of_infarction_makes_the_classifiers_angina_an_infarction(kb, monkeypatch):
    _reads_like_acs(monkeypatch)
    other = corroboration.corroborate(kb, frozenset(), STEMI, frozenset({"E_53"}))
    assert other.condition == "Possible NSTEMI / STEMI"
    assert round(other.score, 2) == 0.25  # the anginas' scores and the infarction's, together
    assert corroboration.uncorroborated(kb, kb.conditions[other.condition], other) is None


def test_without_a_sign_of_infarction_the_classifiers_angina_stays_an_angina(kb, monkeypatch):
    _reads_like_acs(monkeypatch)
    for text in (
        "60M crushing central CP at rest.",
        "ECG: no ST elevation. Troponin normal.",
        "Central chest tightness at rest; STEMI ruled out on the ambulance ECG.",
        "ST elevation: none. Troponin pending.",
    ):
        other = corroboration.corroborate(kb, frozenset(), text, frozenset({"E_53"}))
        assert other.condition == "Unstable angina"
        infarction = kb.conditions["Possible NSTEMI / STEMI"]
        assert corroboration.uncorroborated(kb, infarction, other) is not None


def test_a_stemi_note_is_named_an_infarction_by_three_members(kb: knowledge.KnowledgeBase):
    proposed = [m.propose(STEMI) for m in default_members(kb)]
    named = [a["diagnosis"] for a in proposed if not a.get("abstain")]
    assert named.count("Possible NSTEMI / STEMI") >= 3, proposed
    assert not set(named) & {"Unstable angina", "Stable angina"}


@pytest.mark.parametrize(
    "words",
    [
        "known osteoporosis",
        "osteoporotic spine",
        "on alendronate",
        "takes alendronic acid weekly",
        "yearly zoledronic acid",
        "the doctor says she has thin bones",
    ],
)
def test_osteoporosis_and_its_treatment_read_as_treated_osteoporosis(kb, words):
    reading = extraction.read(f"80F sharp pain in the side after a coughing fit, {words}.", kb=kb)
    assert "E_153" in reading.tokens
    assert not {"osteoporosis", "osteoporotic"} & set(reading.unweighed)


def test_a_rib_that_breaks_on_coughing_in_osteoporosis_is_named_by_three_members(kb):
    text = (
        "81F, osteoporosis, on prednisolone for polymyalgia. Sharp pain in the R side since a "
        "violent coughing fit 3 days ago, pleuritic. Point tenderness over the 8th rib."
    )
    named = [a["diagnosis"] for a in (m.propose(text) for m in default_members(kb))]
    assert named.count("Spontaneous rib fracture") >= 3, named


@pytest.mark.parametrize(
    "words",
    [
        "If I stop and rest for a couple of minutes it goes away.",
        "It goes away within a few minutes if I stand still.",
        "He stops, and after 2 or 3 minutes it is gone.",
        "It eases when she sits down.",
    ],
)
def test_a_chest_pain_that_goes_when_one_stops_is_relieved_by_rest(kb, words):
    text = f"66M tight feeling in the chest walking up the hill. {words}"
    assert "E_218" in extraction.read(text, kb=kb).tokens


@pytest.mark.parametrize(
    "words",
    [
        "He sat down but it didn't go away.",
        "It has not gone away even sitting down.",
        "Came on while resting and settled with GTN.",
        "Chest pain at rest, eased after 20 min.",
        "It does not go away when I stop.",
    ],
)
def test_a_pain_that_stays_or_came_at_rest_is_not_relieved_by_rest(kb, words):
    assert "E_218" not in extraction.read(f"61M crushing chest pain. {words}", kb=kb).tokens


def test_a_chest_pain_eased_by_leaning_forward_is_pericarditis_positional_pain(kb):
    text = "33M sharp central chest pain, pleuritic, better sitting up and leaning forward."
    tokens = extraction.read(text, kb=kb).tokens
    assert "E_217" in tokens  # worse lying down, relieved by sitting up
    assert "E_33" not in tokens  # epiglottitis' pain that improves leaning forward


def test_a_throat_pain_eased_by_leaning_forward_stays_as_the_knowledge_base_codes_it(kb):
    text = "45M severe sore throat, drooling, muffled voice, more comfortable leaning forward."
    tokens = extraction.read(text, kb=kb).tokens
    assert "E_33" in tokens
    assert "E_217" not in tokens


@pytest.mark.parametrize(
    "words",
    [
        "2 wks after a flu-like illness, now 3 days of chest pain",
        "Flu-like illness 10d ago. Chest pain for 3 days",
        "Ten days earlier she had a viral gastrointestinal illness. Chest pain",
        "chest pain 2 weeks after a febrile diarrhoeal illness",
    ],
)
def test_an_infectious_illness_that_came_before_is_a_recent_viral_infection(kb, words):
    assert "E_0" in extraction.read(f"30M {words}.", kb=kb).tokens


def test_an_infectious_illness_now_is_not_a_recent_one(kb):
    tokens = extraction.read("30M currently has a febrile illness with cough.", kb=kb).tokens
    assert "E_0" not in tokens
    assert "E_91" in tokens


PERICARDITIS = (
    "35M a week after a cold, sharp central chest pain, worse on deep breath, much better "
    "sitting up and leaning forward."
)
# How the classifier reads it: DDXPlus words a pain eased leaning forward for epiglottitis only.
LEANING_WORDS = (
    methods.Scored("Epiglottitis", 0.25),
    methods.Scored("Pneumonia", 0.09),
    methods.Scored("Pericarditis", 0.05),
)


def test_the_classifiers_epiglottitis_for_a_chest_pain_eased_leaning_forward_is_pericarditis(
    kb, monkeypatch
):
    result = methods.MethodResult(LEANING_WORDS, ())
    monkeypatch.setattr(corroboration, "reading", lambda kb, seed, holdout, text: result)
    tokens = extraction.read(PERICARDITIS, kb=kb).tokens
    other = corroboration.corroborate(kb, frozenset(), PERICARDITIS, tokens)
    assert other.condition == "Pericarditis"
    assert round(other.score, 2) == 0.30
    # A throat's pain eased leaning forward is still the classifier's epiglottitis.
    throat = "45M severe sore throat, drooling, stridor, more comfortable leaning forward."
    tokens = extraction.read(throat, kb=kb).tokens
    assert corroboration.corroborate(kb, frozenset(), throat, tokens).condition == "Epiglottitis"
