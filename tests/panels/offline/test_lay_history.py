"""Lay wordings of the heart, effort, breathing, movement and risk-factor findings
(panels/offline/lay_history.py): read as the finding, and denied when denied. Invented
phrases, none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction
from tests.panels.offline.members import present


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Out of nowhere my heart suddenly goes very fast for ten minutes.", "E_155"),
        ("At night my heart races.", "E_155"),
        ("Tightness in the chest when I walk up the hill to the station.", "E_218"),
        ("Chest ache carrying the shopping, gone within minutes of stopping.", "E_218"),
        ("The baby breathes really fast and we can see her ribs pulling in.", "E_66"),
        ("Subcostal recession and nasal flaring.", "E_66"),
        ("Since the new tablets his tongue keeps coming out.", "E_168"),
        ("Her neck is twisted to the left and she cannot straighten it.", "E_192"),
        ("After the concert my voice has gone.", "E_212"),
        ("I smoke 15 cigarettes a day.", "E_79"),
        ("My cholesterol is high.", "E_71"),
        ("Takes blood pressure tablets.", "E_104"),
        ("The doctor said my sugar is high.", "E_69"),
        ("She only takes half her bottle.", "E_32"),
        ("Sharp pain in the side, worse moving.", "E_216"),
        ("On long-term prednisolone for arthritis.", "E_44"),
        ("Two episodes of blood streaks in the phlegm.", "E_45"),
        ("Muffled 'hot potato' voice since this morning.", "E_212"),
        ("He is spitting into a cup, unable to swallow his saliva.", "E_190"),
        ("I cant smell anything any more.", "E_103"),
        ("Muscle pains all over.", "E_144"),
        ("He is coughing up thick green stuff.", "E_77"),
        ("Two days of high fever and shaking.", "E_94"),
        ("It hurts on the right side of his chest.", "E_55_@_V_55"),
        ("The home oxygen meter says 88.", "E_66"),
        ("She has had bone thinning for years.", "E_153"),
        ("It hurts when I breathe deep.", "E_220"),
        ("Agony to turn over in bed.", "E_216"),
        # Trismus is the knowledge base's finding, not one of the quinsy's unweighed words.
        ("Trismus since this morning.", "E_205"),
        # "just not right" says the patient is unwell; it denies nothing after it.
        ("Just not right since this morning, breathless and clammy.", "E_66"),
        ("Not quite right today, nauseous.", "E_148"),
    ],
)
def test_a_lay_wording_reads_its_finding(kb, text, token):
    assert token in present(text, kb), text


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Denies palpitations, heart not racing.", "E_155"),
        ("No subcostal recession.", "E_66"),
        ("No blood streaks.", "E_45"),
        ("Can swallow her own saliva, no drooling.", "E_190"),
    ],
)
def test_a_denied_lay_wording_is_read_absent(kb, text, token):
    reading = extraction.read(text, kb=kb)
    assert token in reading.absent_tokens and token not in reading.tokens, text


def test_a_patient_who_does_not_smoke_is_not_read_as_smoking(kb):
    assert "E_79" not in present("I don't smoke, never have.", kb)


def test_a_steroid_given_once_is_not_a_patient_on_steroids(kb):
    assert "E_44" not in present("Given prednisolone 40 mg and nebulisers in the department.", kb)
