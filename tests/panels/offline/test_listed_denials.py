"""A list denied by the negation that closes it, "at rest" as a chest pain at rest, a pain that
radiates nowhere, a previous pneumothorax. Hand-written sentences, none taken from the
development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction


def reading(text: str, kb) -> tuple[set[str], set[str]]:
    found = extraction.read(text, kb=kb)
    return {f.token for f in found.present}, {f.token for f in found.absent}


def test_a_negation_closing_a_clause_denies_every_item_it_lists(kb):
    for text, denied in (
        ("Headache, sore throat and chills were not present.", {"E_53", "E_97", "E_94"}),
        ("Palpitations, wheeze or syncope were absent.", {"E_155", "E_214", "E_159"}),
        ("Sore throat or vomiting: none", {"E_97", "E_211"}),
        ("Fever and diarrhoea - nil, but has a cough", {"E_91"}),
    ):
        present, absent = reading(text, kb)
        assert denied <= absent, text
        assert not denied & present, text
    present, absent = reading("Fever and diarrhoea - nil, but has a cough", kb)
    assert "E_201" in present


def test_a_list_that_does_not_open_its_clause_denies_only_its_last_item(kb):
    present, absent = reading("Has a cough, temperature not present.", kb)
    assert "E_201" in present and "E_91" in absent
    present, absent = reading("wheeze, no fever", kb)
    assert "E_214" in present and "E_91" in absent


def test_a_negation_that_does_not_end_its_clause_denies_no_list(kb):
    present, absent = reading("chest pain, not radiating to the back", kb)
    assert {"E_53", "E_55_@_chest"} <= present
    assert "E_57_@_V_39" in absent


@pytest.mark.parametrize(
    ("text", "at_rest"),
    [
        ("Gets short of breath even at rest now.", False),
        ("Leg pain at rest, worse at night.", False),
        ("Pain in the left calf at rest.", False),
        ("Tight chest, came on at rest.", True),
        ("Known angina; last night an episode at rest.", True),
        # a pain placed anywhere in the chest is a chest pain (the place's region)
        ("Pain in the lower chest. It came on at rest.", True),
        ("Tight pain in the left breast, came on at rest.", True),
    ],
)
def test_at_rest_is_a_chest_pain_at_rest_only_with_a_chest_pain(kb, text, at_rest):
    present, _ = reading(text, kb)
    assert ("E_14" in present) is at_rest


def test_chest_pain_at_rest_is_a_chest_pain_too(kb):
    present, _ = reading("Woke with chest pain at rest.", kb)
    assert {"E_14", "E_53", "E_55_@_chest"} <= present


@pytest.mark.parametrize(
    "text",
    [
        "Sharp non-radiating pain in the chest.",
        "The pain doesn't go anywhere else.",
        "Central pain, no radiation.",
    ],
)
def test_a_pain_that_does_not_radiate_radiates_nowhere(kb, text):
    present, _ = reading(text, kb)
    assert "E_57_@_V_123" in present


def test_a_denied_place_of_radiation_is_not_nowhere(kb):
    present, absent = reading("Central pain, doesn't radiate to the jaw.", kb)
    assert "E_57_@_V_123" not in present
    assert "E_57_@_V_163" in absent or "E_57_@_V_121" in absent


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("She had a collapsed lung at university.", True),
        ("Needed a chest drain years back.", True),
        ("Previous pneumothorax on the right.", True),
        ("Had a pneumothorax in her twenties.", True),
        ("A chest drain was put in for the effusion.", False),
    ],
)
def test_a_collapsed_lung_or_a_chest_drain_before_is_a_previous_pneumothorax(kb, text, previous):
    present, _ = reading(text, kb)
    assert ("E_21" in present) is previous
