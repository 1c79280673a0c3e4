"""Airway readings of panels/offline/lay_airway.py: a barking cough, pauses in breathing,
vaccinations up to date. Hand-written sentences, none taken from the development or held-out
sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction
from tests.panels.offline.members import present

BARKING = "E_202"
APNOEA = "E_23"
VACCINATED = "E_209"


def absent(text: str, kb) -> set[str]:
    return {f.token for f in extraction.read(text, kb=kb).absent}


@pytest.mark.parametrize(
    "text",
    [
        "Woke at 3am with a barky cough and noisy breathing.",
        "Toddler, barky cough since last night.",
        "A bark-like cough, worse at night.",
    ],
)
def test_a_barky_cough_reads_as_the_barking_cough(kb, text):
    assert {BARKING, "E_201"} <= present(text, kb), text


@pytest.mark.parametrize(
    "text",
    ["Her voice is barky and hoarse.", "No barky cough, soft stridor.", "Dry cough, no bark."],
)
def test_a_barky_voice_or_a_denied_bark_is_no_barking_cough(kb, text):
    assert BARKING not in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "A pause in his breathing while he fed, then he pinked up.",
        "Two apnoeas overnight on the ward.",
        "Apnoeic episodes since yesterday.",
        "She has pauses in her breathing when asleep.",
    ],
)
def test_pauses_in_breathing_read_as_apnoea(kb, text):
    assert APNOEA in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    ["No pauses in breathing.", "Denies apnoeas.", "Known sleep apnoea, uses CPAP at night."],
)
def test_denied_pauses_or_sleep_apnoea_are_no_apnoea_finding(kb, text):
    assert APNOEA not in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "Vaccinations UTD.",
        "Immunisations UTD, no allergies.",
        "Her vaccines are up to date.",
        "He is up to date with his vaccinations.",
        "Fully immunised, attends nursery.",
        "Vaccinated, thriving.",
    ],
)
def test_vaccinations_up_to_date_read(kb, text):
    assert VACCINATED in present(text, kb), text


@pytest.mark.parametrize(
    "text", ["Not vaccinated (parents declined).", "Vaccines not up to date.", "Unvaccinated."]
)
def test_missed_vaccinations_are_not_up_to_date(kb, text):
    assert VACCINATED not in present(text, kb), text


def test_a_declined_vaccination_is_read_as_absent(kb):
    assert VACCINATED in absent("Not vaccinated this year.", kb)


RECENT_COLD = "E_116"


@pytest.mark.parametrize(
    "text",
    [
        "He had a cold ten days ago and now has facial pain.",
        "Caught a cold a week and a half ago; now green discharge.",
        "Had a bad cold 2 weeks ago that never went away.",
        "The blocked nose has cleared but the cough goes on.",
    ],
)
def test_a_cold_days_ago_or_a_cleared_nose_reads_as_a_recent_cold(kb, text):
    assert RECENT_COLD in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    ["Had a cold three months ago.", "Feels cold 2 days ago at night.", "No cold last week."],
)
def test_an_old_cold_or_feeling_cold_is_no_recent_cold(kb, text):
    assert RECENT_COLD not in present(text, kb), text


def test_a_nose_that_cleared_is_no_runny_nose_today(kb):
    assert "E_181" not in present("His runny nose has cleared up; dry cough now.", kb)


LEANING_RELIEF = "E_33"


@pytest.mark.parametrize(
    "text",
    [
        "Pain across the cheeks, worse on bending forward.",
        "Forehead pain that worsens when leaning forward.",
        "Bending over makes it worse.",
    ],
)
def test_a_pain_worse_bending_forward_is_no_relief_leaning_forward(kb, text):
    assert LEANING_RELIEF not in present(text, kb), text


def test_relief_on_leaning_forward_still_reads(kb):
    assert LEANING_RELIEF in present("Sore throat and neck pain, better leaning forward.", kb)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Known eczema since childhood.", "E_226"),
        ("She has atopic eczema and asthma.", "E_226"),
        ("His mother has eczema.", "E_86"),
        ("Dad gets hay fever every summer.", "E_86"),
        ("Family history of eczema.", "E_86"),
    ],
)
def test_own_eczema_is_an_allergic_disposition_a_relatives_a_family_history(kb, text, token):
    tokens = present(text, kb)
    assert token in tokens, text
    assert ({"E_226", "E_86"} - {token}).isdisjoint(tokens), text


HIV = "E_2"


@pytest.mark.parametrize(
    "text",
    [
        "Known HIV, off antiretrovirals for a year.",
        "He has lived with HIV since 2010.",
        "Background of poorly controlled HIV.",
        "HIV positive.",
    ],
)
def test_a_known_hiv_infection_reads(kb, text):
    assert HIV in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "HIV test negative last month.",
        "Tested for HIV: negative.",
        "Offered an HIV test.",
        "Her partner with HIV is on treatment.",  # someone else's infection
    ],
)
def test_an_hiv_test_is_no_hiv_infection(kb, text):
    assert HIV not in present(text, kb), text


def test_a_denied_hiv_history_is_absent(kb):
    assert HIV in absent("No history of HIV.", kb)


UNDERWEIGHT = "E_208"


@pytest.mark.parametrize("text", ["Thin, BMI 16.", "BMI of 17.8 on the ward scales.", "BMI 18.2"])
def test_a_bmi_below_18_5_reads_as_underweight(kb, text):
    assert UNDERWEIGHT in present(text, kb), text


@pytest.mark.parametrize("text", ["BMI 18.5", "BMI 24.", "BMI 31, smoker.", "BMI 180?"])
def test_a_bmi_from_18_5_is_not_underweight(kb, text):
    assert UNDERWEIGHT not in present(text, kb), text


@pytest.mark.parametrize(
    "text", ["His sister has asthma.", "Sister with asthma.", "Brother has asthma, on inhalers."]
)
def test_what_a_relative_has_or_is_with_is_the_relatives(kb, text):
    # NegEx's family scope does not end at "has" or "with" (cues.RELATIVES_CONTINUE).
    tokens = present(text, kb)
    assert "E_124" not in tokens and "E_87" in tokens, text
