"""The issue's own examples (issues 10 and 11), end to end through the default panel's five
members: the textbook pneumonia is never a consensus of another condition, and the Bayesian,
case-based and profile members rank Pneumonia first (it was Bronchitis 5 of 5); the embolism
after a flight is Pulmonary embolism or NO CONSENSUS, never another condition; a urinary
infection (outside the 49), a vague complaint and a non-clinical text end NO CONSENSUS, and
no member names Ebola without an exposure."""

from __future__ import annotations

from collections import Counter

import pytest

from panels.offline import knowledge
from panels.offline.member import default_members

QUORUM = 3
PNEUMONIA = (
    "45-year-old man, fever 38.9, productive cough with rusty sputum for 3 days, "
    "right-sided pleuritic chest pain, crackles at the right base"
)
PE_AFTER_FLIGHT = (
    "Sudden pleuritic chest pain and shortness of breath the day after a long-haul flight, "
    "HR 118, SpO2 91%"
)
NO_CONSENSUS = (
    "72-year-old woman with dysuria, frequency, fever and confusion",
    "feeling tired and dizzy for a few weeks",
    "asdf qwerty zxcv",
)


def named(kb: knowledge.KnowledgeBase, text: str) -> Counter[str]:
    """How many of the default panel's members propose each diagnosis for ``text``."""
    answers = [m.propose(text) for m in default_members(kb)]
    return Counter(str(a["diagnosis"]) for a in answers if not a.get("abstain"))


def test_the_textbook_pneumonia_is_read_as_pneumonia_and_never_another_consensus(kb):
    counts = named(kb, PNEUMONIA)
    others = {d: n for d, n in counts.items() if d != "Pneumonia"}
    assert sum(others.values()) < QUORUM, counts
    readers = [m for m in default_members(kb) if m.method in ("bayes", "neighbours", "profiles")]
    tops = [m.rank(PNEUMONIA)[0].conditions[0].name for m in readers]
    assert tops == ["Pneumonia"] * len(readers), tops
    # The words alone (the text classifier, trained on renderings of DDXPlus rows, which
    # have no rusty sputum or crackles) favour Bronchitis, and so does the logistic
    # regression: at most those two name it, and the three that rank Pneumonia first are
    # not corroborated by the words and abstain: NO CONSENSUS, never Bronchitis by quorum.


def test_an_embolism_after_a_flight_is_never_another_consensus(kb):
    counts = named(kb, PE_AFTER_FLIGHT)
    others = {d: n for d, n in counts.items() if d != "Pulmonary embolism"}
    # Another diagnosis may be proposed (a pneumothorax), never by a quorum, and never ahead.
    assert max(others.values(), default=0) < QUORUM, counts
    assert max(others.values(), default=0) < max(counts["Pulmonary embolism"], 1), counts


@pytest.mark.parametrize("text", NO_CONSENSUS)
def test_out_of_scope_vague_and_non_clinical_texts_end_without_a_quorum(kb, text):
    counts = named(kb, text)
    assert sum(counts.values()) < QUORUM, counts  # fewer than q proposals: NO CONSENSUS
    assert "Ebola" not in counts
