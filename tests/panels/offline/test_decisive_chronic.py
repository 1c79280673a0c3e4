"""Chronic rhinosinusitis by its duration (decisive_chronic.py): a blocked or running nose
with a facial pain or a lost smell for twelve weeks or more. Invented notes (not from any
evaluation set)."""

from __future__ import annotations

import pytest

from panels.offline import decisive, knowledge
from tests.panels.offline.members import named_by

CHRONIC = (
    "57F, 7 months of blocked nose on both sides, post-nasal drip and reduced smell; steroid "
    "spray has not helped. Has asthma."
)


@pytest.mark.parametrize(
    "text",
    [
        CHRONIC,
        "For two years my nose has been stuffy and I cannot smell my food.",
        "Nasal obstruction and facial pressure for 16 weeks, worse in the mornings.",
    ],
)
def test_a_long_blocked_nose_with_facial_pain_or_lost_smell_reads_as_chronic(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Chronic rhinosinusitis"]
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        "Blocked nose and facial pain for 6 days, fever 38.4.",
        "Blocked nose and facial pressure for 3 weeks after a cold.",
        "Every spring for years: blocked nose, sneezing, itchy eyes, reduced smell.",
        "Blocked nose for 5 months, no loss of smell, no facial pain.",
        "One side of the nose blocked for 4 months with nosebleeds and facial pain.",
    ],
)
def test_no_chronic_sign_when_short_seasonal_febrile_denied_or_one_sided(text: str) -> None:
    assert "Chronic rhinosinusitis" not in [s.condition for s in decisive.stated(text)]


def test_a_long_blocked_nose_with_lost_smell_reaches_consensus(
    kb: knowledge.KnowledgeBase,
) -> None:
    assert named_by(kb, CHRONIC).count("Chronic rhinosinusitis") >= 3
    short = CHRONIC.replace("7 months", "5 days")
    assert "Chronic rhinosinusitis" not in named_by(kb, short)


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        (
            "Coughing for 3 weeks in fits, vomits after coughing, whoops on breathing in.",
            "Whooping cough",
        ),
        ("Cough 4/52, paroxysms with post-tussive vomiting.", "Whooping cough"),
        ("Heart races at 190 and stops when she bears down.", "PSVT"),
        ("Palpitations since 20 minutes; a Valsalva manoeuvre ended them.", "PSVT"),
    ],
)
def test_a_time_course_that_points_to_one_condition_is_its_sign(text: str, condition: str) -> None:
    assert [s.condition for s in decisive.stated(text)] == [condition]


@pytest.mark.parametrize(
    "text",
    [
        # Too short, wheezy (an asthma's), a croup's bark, an ACE inhibitor's cough.
        "Cough for 5 days with coughing fits and vomiting after coughing.",
        "Cough for 3 weeks, wheezy, coughing fits at night.",
        "Barking cough for 2 weeks with coughing fits.",
        "Dry cough 6 weeks since starting ramipril, coughing fits.",
        # A manoeuvre that ends nothing, or an irregular heart.
        "Palpitations; she tried holding her breath, no change.",
        "Irregular palpitations that stopped when he bore down.",
    ],
)
def test_no_time_course_sign_for_a_short_cough_an_asthma_or_an_irregular_heart(
    text: str,
) -> None:
    assert not [s.condition for s in decisive.stated(text)], text


def test_a_racing_heart_ended_by_a_vagal_manoeuvre_reaches_consensus_on_psvt(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = (
        "28F, episodes of a racing heart for years, regular, 180 on her watch, start and stop "
        "suddenly; they stop when she bears down or splashes cold water on her face. Dizzy "
        "during them, no chest pain."
    )
    assert named_by(kb, text).count("PSVT") >= 3
