"""Airway readings of panels/offline/lay_airway.py: a barking cough, pauses in breathing,
vaccinations up to date. Hand-written sentences, none taken from the development or held-out
sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction

BARKING = "E_202"
APNOEA = "E_23"
VACCINATED = "E_209"


def present(text: str, kb) -> set[str]:
    return set(extraction.read(text, kb=kb).tokens)


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
