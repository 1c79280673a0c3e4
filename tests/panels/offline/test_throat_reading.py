"""Readings of upper-airway notes (panels/offline/lay_phrasings.py and lay_words.py): a cold
that came before the complaint, a patient's own allergic disposition. Hand-written sentences,
none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction
from tests.panels.offline.members import present

RECENT_COLD = "E_116"


@pytest.mark.parametrize(
    "text",
    [
        "Hoarse for three days; she had a runny nose before.",
        "He had a bit of a sniffle the week before, now a croaky voice.",
        "Coryza x3d prior, now stridor.",
        "Sniffles for two days beforehand, then lost his voice.",
        "A cold the week before, now facial pain.",
    ],
)
def test_a_cold_before_the_complaint_reads_as_a_recent_cold(kb, text):
    assert RECENT_COLD in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "Runny nose before bed every night.",
        "I felt cold earlier and shivery.",
        "No runny nose before this started.",
        "Runny nose and cough for two days.",
    ],
)
def test_a_runny_nose_alone_or_denied_is_no_recent_cold(kb, text):
    assert RECENT_COLD not in present(text, kb), text


ALLERGIC = "E_226"


@pytest.mark.parametrize(
    "text",
    [
        "She is allergic to cats.",
        "Known dust mite allergy, itchy eyes in spring.",
        "My eyes stream and itch whenever I am near horses.",
        "Every time he hoovers he sneezes for an hour.",
        "Since they got a kitten her nose has been blocked.",
        "Sneezing and a runny nose; cetirizine helps.",
        "Antihistamine tablets make it a lot better.",
    ],
)
def test_an_allergic_disposition_reads_from_triggers_and_antihistamines(kb, text):
    assert ALLERGIC in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "Allergic to penicillin.",
        "Lives with partner, has a dog.",
        "When I walk the dog I get chest pain.",
        "Antihistamines don't help at all.",
        "He was bitten by a dog last week.",
    ],
)
def test_a_pet_or_a_drug_allergy_alone_is_no_allergic_disposition(kb, text):
    assert ALLERGIC not in present(text, kb), text


@pytest.mark.parametrize(
    ("text", "token"),
    [
        # A blocked or running nose said with a verb.
        ("For months her nose has been blocked on both sides.", "E_181"),
        ("His nose is always stuffed up in the morning.", "E_181"),
        # Mucus down the back of the throat is a post-nasal drip.
        ("Phlegm keeps dripping down the back of my throat at night.", "E_182"),
        # Polyps seen in the nose.
        ("Endoscopy: large polyps in both nasal cavities.", "E_120"),
        ("ENT saw polyps in the left middle meatus.", "E_120"),
        ("The specialist saw grape-like swellings inside his nose.", "E_120"),
    ],
)
def test_a_nose_said_with_a_verb_or_seen_on_endoscopy_reads_its_finding(kb, text, token):
    assert token in present(text, kb), text


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Her nose is not blocked.", "E_181"),
        ("Colonic polyps removed in 2019.", "E_120"),
        ("A polyp in the gallbladder on ultrasound.", "E_120"),
    ],
)
def test_a_clear_nose_or_a_polyp_elsewhere_reads_no_nasal_finding(kb, text, token):
    assert token not in present(text, kb), text


PHARYNX_PAIN = "E_55_@_V_148"


@pytest.mark.parametrize(
    "text",
    [
        "Sore throat for two days, worst when she swallows.",
        "Throat pain, worse on swallowing, no cough.",
        "His throat is raw and it is agony when he swallows.",
    ],
)
def test_a_throat_worse_on_swallowing_reads_as_pain_on_swallowing(kb, text):
    assert PHARYNX_PAIN in present(text, kb), text


def test_a_throat_sore_without_a_word_on_swallowing_is_no_pain_on_swallowing(kb):
    assert PHARYNX_PAIN not in present("Sore throat, worse in the mornings.", kb)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        # An appetite said to be gone is a loss of appetite, not a denial.
        ("Fever and aches, and she has no appetite at all.", "E_161"),
        ("He has lost his appetite since Sunday.", "E_161"),
        # Too unwell to get up is a fatigue that stops usual activities.
        ("Shivering, and I can barely get out of bed.", "E_88"),
        ("Stayed in bed all day with a temperature.", "E_88"),
        # Aches in every bone are aches all over.
        ("Every bone hurts and my head is pounding.", "E_144"),
    ],
)
def test_a_prostrating_illness_in_lay_words_reads_its_finding(kb, text, token):
    assert token in present(text, kb), text


def test_a_denied_loss_of_appetite_stays_denied(kb):
    found = extraction.read("No loss of appetite, eating well.", kb=kb)
    assert "E_161" not in found.tokens
    assert "E_161" in found.absent_tokens


@pytest.mark.parametrize(
    "text, token",
    [
        ("Appetite normal, no appetite loss.", "E_161"),
        ("No appetite change, no weight loss.", "E_161"),
        ("Eating well; no appetite problems.", "E_161"),
        ("He can get out of bed fine and walk to the shops.", "E_88"),
        ("She could get out of bed this morning.", "E_88"),
    ],
)
def test_an_appetite_denied_or_a_patient_able_to_get_up_reads_no_such_finding(kb, text, token):
    assert token not in present(text, kb), text
