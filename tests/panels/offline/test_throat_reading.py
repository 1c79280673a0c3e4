"""Readings of upper-airway notes (panels/offline/lay_phrasings.py and lay_words.py): a cold
that came before the complaint, a patient's own allergic disposition. Hand-written sentences,
none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction

RECENT_COLD = "E_116"


def present(text: str, kb) -> set[str]:
    return set(extraction.read(text, kb=kb).tokens)


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
