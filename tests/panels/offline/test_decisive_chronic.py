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
