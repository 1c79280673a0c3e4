"""Readings of systemic and other conditions' findings: where a rash is and its colour
(lupus's rash on the cheeks and nose), mouth ulcers in other words; a swelling said with a
verb; waking breathless, a streaming eye and a blocked nose, a panic attack's words, heavy
periods, a cardiomyopathy, a pulmonary oedema's sputum; emphysema, drinking and smoking in
other words. Hand-written sentences, none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from tests.panels.offline.members import present

CHEEKS = {"E_133_@_V_108", "E_133_@_V_109"}
NOSE = "E_133_@_V_122"
RED = "E_130_@_V_157"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # A rash across, on or over places, and the malar (butterfly) rash.
        ("A rash across both cheeks and the bridge of the nose.", CHEEKS | {NOSE}),
        ("Blotchy rash across his cheeks since the beach holiday.", CHEEKS),
        ("O/E malar rash.", CHEEKS | {NOSE}),
        ("She has a butterfly rash.", CHEEKS | {NOSE}),
        ("Flat rash over the malar eminences.", CHEEKS),
        # Its colour said before it (red, DDXPlus' colour of lupus' rash alone, only on the
        # face: test_exposures).
        ("A red rash on the forearm.", {"E_129", "E_133_@_V_27"}),
        ("Red, raised, itchy rash on the cheeks.", {RED, "E_129"}),
        ("erythematous rash over the malar area", CHEEKS | {RED}),
        ("A pink rash.", {"E_130_@_V_156"}),
        # Mouth ulcers wherever in the mouth, and in other words.
        ("Painless ulcers on the hard palate.", {"E_206"}),
        ("Sores inside her mouth for a week.", {"E_206"}),
        ("Recurrent aphthous ulcers.", {"E_206"}),
        ("oral ulceration and fatigue", {"E_206", "E_89"}),
        # A place that gets swollen or swelled up.
        ("Her left forearm has been getting swollen since the surgery.", {"E_151", "E_152_@_V_28"}),
        ("Her left ankle swelled right up.", {"E_151", "E_152_@_V_35"}),
        ("My ankles get swollen by the evening.", {"E_151", "E_152_@_V_34"}),
        # Waking at night breathless, either way round.
        ("Woke at 04:30 gasping for air.", {"E_67"}),
        ("Breathlessness woke her twice last night.", {"E_67"}),
        # A dilated or ischaemic cardiomyopathy is heart failure.
        ("Known dilated cardiomyopathy.", {"E_106"}),
        ("PMH: ischaemic cardiomyopathy.", {"E_106", "E_105"}),
        # Emphysema is COPD; drinking and smoking in other words.
        ("Emphysema, on two inhalers.", {"E_123"}),
        ("Long-standing chronic bronchitis.", {"E_123"}),
        ("Drinks heavily most nights.", {"E_78"}),
        ("History of alcohol dependence.", {"E_78"}),
        ("She's smoked since she was 16.", {"E_79"}),
        # An eye that streams and a nose that blocks up, with words between.
        ("His left eye streams tears during the attacks.", {"E_127"}),
        ("Tears pouring from the right eye.", {"E_127"}),
        ("The nose on the same side blocks up.", {"E_181"}),
        # An anaemia's heavy periods and restrictive diet; headaches in the plural.
        ("Heavy menses since her teens.", {"E_145"}),
        ("Heavy menstrual bleeding and a restrictive diet.", {"E_145", "E_7"}),
        ("Headaches most mornings.", {"E_53", "E_55_@_head"}),
        # A panic attack's fear, breathlessness, tingling lips and depersonalisation.
        ("A sudden intense fear came over her.", {"E_16"}),
        ("He could not get a breath in.", {"E_66"}),
        ("Her lips went tingly and numb.", {"E_157"}),
        ("Tingly lips and fingers.", {"E_157"}),
        ("He felt detached from his body.", {"E_171"}),
        # Periods that are very heavy, a heart that pounds, sputum streaked with blood.
        ("Her periods have been very heavy since the coil came out.", {"E_145"}),
        ("My heart pounds when I climb the stairs.", {"E_155"}),
        ("Phlegm now and then streaked with blood.", {"E_45"}),
    ],
)
def test_a_wording_reads_its_findings(kb, text, tokens):
    assert tokens <= present(text, kb), text


def test_a_rashs_places_are_those_listed_after_it(kb):
    # "Mouth" in "mouth ulcers" later in the clause is no place of the rash on the cheeks,
    # and the ulcers are still read.
    found = present("Rash on her cheeks that spares the folds and painless mouth ulcers.", kb)
    assert CHEEKS | {"E_206"} <= found
    assert "E_133_@_V_32" not in found


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("No malar rash.", "E_133_@_V_108"),
        ("No red rash.", RED),
        ("Red eyes and a rash on the arm.", RED),
        ("Ulcers on both shins.", "E_206"),
        # A lump that gets bigger on straining is a hernia's, not a swelling.
        ("The lump in his tummy gets bigger when he coughs.", "E_151"),
        # A low ejection fraction now is not a heart failure the patient has.
        ("Echo: LVEF 30%.", "E_106"),
        # A pulmonary oedema's frothy sputum is not the coloured sputum of an infection.
        ("Coughing up pink frothy sputum.", "E_77"),
        # Air under the skin is no emphysema of the lungs; smoking that stopped is not now.
        ("Subcutaneous emphysema over the neck.", "E_123"),
        ("Surgical emphysema on palpation.", "E_123"),
        ("He smoked since he was 15 but quit in 2010.", "E_79"),
        ("No tears streaming.", "E_127"),
        # A heart attack the patient thinks he is having is feared, no past one (a belief cue).
        ("'I think I'm having a heart attack,' he said.", "E_105"),
        ("No headaches.", "E_53"),
        ("No periods since March.", "E_145"),
    ],
)
def test_a_wording_does_not_read_a_neighbouring_finding(kb, text, token):
    assert token not in present(text, kb), text
