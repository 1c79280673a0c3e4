"""Airway and infection readings: aches, prostration, inhalers, sweats and weight loss said in
lay words, a parent calling about a child, ages in weeks, a saturation that fell, pain on
swallowing. Hand-written sentences, none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction


def reading(text: str, kb) -> extraction.Reading:
    return extraction.read(text, kb=kb)


def present(text: str, kb) -> set[str]:
    return set(reading(text, kb).tokens)


def absent(text: str, kb) -> set[str]:
    return {f.token for f in reading(text, kb).absent}


@pytest.mark.parametrize(
    ("text", "token"),
    [
        # Diffuse muscle pain (myalgia), not the vaguer malaise.
        ("Since Tuesday she aches all over and has a cough.", "E_144"),
        ("Body aches and a temperature since last night.", "E_144"),
        ("Fever, myalgias and headache.", "E_144"),
        ("Every muscle aching since the weekend.", "E_144"),
        # Tiredness that stops everything.
        ("Extreme tiredness, stayed in bed all day.", "E_88"),
        ("Says he feels like he was hit by a bus.", "E_88"),
        # A reliever or preventer inhaler is bronchodilator use.
        ("Needs her blue inhaler most nights this week.", "E_124"),
        ("Took salbutamol four times today with little effect.", "E_124"),
        # Sweats that soak the sheets; clothes grown loose.
        ("He wakes soaking the sheets most nights.", "E_50"),
        ("Her jeans are hanging off her now.", "E_162"),
        # A baby working hard to breathe, a snotty nose.
        ("Her belly sucks in under the ribs with each breath.", "E_66"),
        ("Snotty nose and a cough for three days.", "E_181"),
        # Stridor heard at rest is stridor, not chest pain at rest.
        ("Loud inspiratory stridor at rest in the waiting room.", "E_194"),
        # Present perfect smoking is smoking.
        ("She has smoked twenty a day since school.", "E_79"),
        # A saturation that fell, by the value it fell to.
        ("During the episode sats fell from 98% to 80%.", "E_66"),
        ("SpO2 dropped to 85% while feeding.", "E_66"),
        # "No sense of smell" states its loss.
        ("Nose blocked for months, almost no sense of smell.", "E_103"),
        # Pain on swallowing is a pain in the pharynx.
        ("It hurts to swallow even water.", "E_55_@_V_148"),
    ],
)
def test_an_airway_wording_reads_its_finding(kb, text, token):
    assert token in present(text, kb), text


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Loud inspiratory stridor at rest in the waiting room.", "E_14"),
        ("Nose blocked for months, almost no sense of smell.", "E_103"),
    ],
)
def test_an_airway_wording_does_not_deny_or_misplace(kb, text, token):
    assert token not in absent(text, kb) | (present(text, kb) if token == "E_14" else set())


def test_a_smokers_inhaler_is_not_read_as_asthma(kb):
    assert "E_124" not in present("62M ex-smoker, uses his blue inhaler more this week.", kb)
    assert "E_124" not in present("Known COPD, using salbutamol hourly.", kb)
    # The stated asthma itself stays.
    assert "E_124" in present("Smoker with asthma, uses his blue inhaler.", kb)


def test_a_parent_calling_about_a_child_reads_the_childs_findings(kb):
    text = "Mum calling re daughter 6y: 'sore throat and runny nose since Monday, a bit of cough'."
    read = reading(text, kb)
    assert {"E_97", "E_181", "E_201"} <= set(read.tokens)
    assert read.age == 6
    assert not read.set_aside


@pytest.mark.parametrize(
    ("text", "age"),
    [("Our baby is 6 weeks old and coughing.", 0), ("20mo M, barking cough overnight.", 1)],
)
def test_an_age_in_weeks_or_months_is_read(kb, text, age):
    assert reading(text, kb).age == age


SEVERE_COPD = "E_31"


@pytest.mark.parametrize(
    "text",
    [
        "Known severe COPD, two inhalers.",
        "72F very severe COPD, lives alone.",
        "COPD GOLD stage 4, breathless on dressing.",
        "GOLD 3 COPD, ex-smoker.",
        "COPD (FEV1 41% predicted), more sputum this week.",
        "Emphysema, on home oxygen 16 hours a day.",
        "He uses oxygen at night for his COPD.",
        "COPD on LTOT, worse since Monday.",
    ],
)
def test_a_severe_copd_by_its_stage_fev1_or_home_oxygen_is_read(kb, text):
    tokens = present(text, kb)
    assert {SEVERE_COPD, "E_123"} <= tokens, text


@pytest.mark.parametrize(
    "text",
    [
        "Mild COPD, FEV1 72% predicted.",
        "COPD, not on home oxygen.",
        "Asthma, FEV1 45% predicted during the attack.",  # an asthma's FEV1
        "On home oxygen for pulmonary fibrosis.",  # another lung disease's oxygen
        "Gold 3 earrings lost; cough for a week.",
    ],
)
def test_a_milder_copd_or_another_diseases_oxygen_is_no_severe_copd(kb, text):
    assert SEVERE_COPD not in present(text, kb), text


def test_a_denied_severe_copd_is_denied(kb):
    assert SEVERE_COPD in absent("No severe COPD.", kb)
    assert SEVERE_COPD not in present("No severe COPD.", kb)


@pytest.mark.parametrize(
    "text",
    [
        "Had a runny nose beforehand, now hoarse and croaky.",
        "Sniffles the week before, then lost her voice.",
        "Coryza x3d prior, now a barky cough.",
    ],
)
def test_a_runny_nose_that_came_before_is_a_recent_cold_not_todays_nose(kb, text):
    tokens = present(text, kb)
    assert "E_116" in tokens and "E_181" not in tokens, text


@pytest.mark.parametrize(
    "text",
    ["Runny nose before bed every night.", "Runny nose and sneezing for three days."],
)
def test_a_runny_nose_now_stays_a_runny_nose(kb, text):
    assert "E_181" in present(text, kb), text


def test_a_denied_cold_before_is_denied(kb):
    assert "E_116" in absent("No runny nose before this started.", kb)


def test_a_cold_of_the_patients_own_is_a_recent_cold_and_a_partners_is_not(kb):
    assert "E_116" in present("She had a cold two weeks ago; now a cough.", kb)
    assert "E_116" not in present("Her boyfriend had a cold last week; now she coughs.", kb)
