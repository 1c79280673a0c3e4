"""Conditions a member names only with the exposure that defines them (knowledge.REQUIRED):
an initial HIV infection with a sexual or injecting exposure, scombroid poisoning with the
fish; the words notes use for those exposures; a red rash that is lupus' colour only on the
face; and a left-out condition that makes no other surer. Invented notes, none taken from
the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction, knowledge, scope
from panels.offline.member import default_members
from tests.panels.offline.members import named_by

HIV = "HIV (initial infection)"
SCOMBROID = "Scombroid food poisoning"
SEROCONVERSION = (
    "25M, 1 week of fever 38.5, sore throat, aching muscles, night sweats, loose stools and a "
    "faint pink rash over the trunk. Painful mouth ulcers. Tender nodes in neck and armpits."
)


def test_every_hiv_and_scombroid_row_of_the_knowledge_base_states_the_exposure(kb):
    # The rule takes nothing from a DDXPlus patient: each row of these conditions has one.
    for name in (HIV, SCOMBROID):
        requires = kb.conditions[name].requires
        rows = [r for r in kb.rows if r.pathology == name]
        assert requires and rows
        assert all(requires & set(r.evidences) for r in rows), name


@pytest.mark.parametrize(
    ("text", "exposure"),
    [
        ("Condomless sex with a new partner last month.", "E_115"),
        ("MSM, several partners.", "E_115"),
        ("Works as a sex worker.", "E_115"),
        ("Her partner is HIV-positive.", "E_189"),
        ("His partner has HIV.", "E_189"),
        ("Previous chlamydia, treated.", "E_27"),
        ("Treated for syphilis in 2019.", "E_27"),
        ("Injects heroin and shares needles.", "E_61"),
        ("We shared a grilled mahi-mahi.", "E_187"),
    ],
)
def test_the_words_of_an_exposure_are_read_as_it(kb, text, exposure):
    assert exposure in extraction.read(text, kb=kb).tokens


@pytest.mark.parametrize(
    ("text", "not_read"),
    [
        # A partner's infection is the partner's, not the patient's known HIV (E_2).
        ("Her partner is HIV positive.", "E_2"),
        ("Chlamydia screen negative.", "E_27"),
        ("Denies unprotected sex.", "E_115"),
    ],
)
def test_what_is_not_the_patients_exposure_is_not_read_as_it(kb, text, not_read):
    assert not_read not in extraction.read(text, kb=kb).tokens


def test_a_seroconversion_illness_is_named_hiv_with_an_exposure_and_by_no_one_without(kb):
    exposed = SEROCONVERSION + " Condomless sex with a new male partner 3 weeks ago."
    assert named_by(kb, exposed).count(HIV) >= 3
    assert HIV not in named_by(kb, SEROCONVERSION)


@pytest.mark.parametrize(
    "text",
    [
        # Thyrotoxicosis, dengue and a tick bite's rash: fever, sweats, weight loss, a rash.
        "36F, 2 months of racing heart even at rest, tremor, sweating, heat intolerance, 6 kg "
        "weight loss despite a good appetite, frequent loose stools, anxious. TSH suppressed.",
        "31M back from Thailand 6 days ago: 3 days of high fever, pain behind the eyes, severe "
        "muscle and joint aches, nausea, and today a blotchy rash on the legs. Platelets 70.",
        "45M walked in the woods 2 weeks ago, tick on his calf. Now an expanding red rash "
        "there, 10 cm, clearing in the middle; tired, headache, aching joints, temp 37.7.",
    ],
)
def test_look_alikes_without_an_exposure_are_named_neither_hiv_nor_lupus(kb, text):
    named = named_by(kb, text)
    assert HIV not in named and "SLE" not in named, named


def test_a_scombroid_row_without_the_fish_is_named_by_no_member(kb):
    row = next(r for r in kb.rows if r.pathology == SCOMBROID)
    without = tuple(t for t in row.evidences if t != "E_187")
    text = knowledge.render_patient(
        knowledge.PatientRow(row.age, row.sex, row.pathology, without, row.initial, row.source)
    )
    members = default_members(kb)
    assert SCOMBROID not in named_by(kb, text)
    displaced = [m for m in members if m.assess(text).ranking.displaced is not None]
    assert len(displaced) >= 3
    answers = [m.propose(text) for m in displaced]
    assert all(a.get("abstain") is True for a in answers), answers
    shown = "Not considered without a finding they require: Scombroid food poisoning"
    assert all(shown in str(a["reasoning"]) for a in answers), answers
    assert named_by(kb, knowledge.render_patient(row)).count(SCOMBROID) >= 3


@pytest.mark.parametrize(
    ("text", "red"),
    [
        ("An expanding red rash on the calf, clearing in the middle.", False),
        ("Red rash on the shin.", False),
        ("A red rash across both cheeks and the bridge of the nose.", True),
        ("A red, raised facial rash after sun.", True),
    ],
)
def test_a_red_rash_is_lupus_colour_only_on_the_face(kb, text, red):
    tokens = extraction.read(text, kb=kb).tokens
    assert "E_129" in tokens
    assert ("E_130_@_V_157" in tokens) is red


def test_leaving_out_a_condition_the_text_gives_no_ground_for_makes_no_other_surer(kb):
    hiv, flu, urti = (kb.conditions[n] for n in (HIV, "Influenza", "URTI"))
    ranking = scope.Ranking((hiv, flu, urti), (0.6, 0.3, 0.1), {}, ())
    kept, excluded = scope.without_unmet(ranking, frozenset({"E_91"}), kb)
    assert kept.conditions == (flu, urti)
    assert kept.probabilities == (0.3, 0.1)
    assert excluded == (hiv.display_name,)
    assert kept.displaced is hiv
    exposed, _ = scope.without_unmet(ranking, frozenset({"E_91", "E_115"}), kb)
    assert exposed.conditions[0] is hiv and exposed.displaced is None
    assert knowledge.REQUIRED[HIV] == hiv.requires
