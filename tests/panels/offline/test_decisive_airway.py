"""Decisive signs of the airway infections (panels/offline/decisive_signs.py, the section
"Airway infections"): test findings DDXPlus has no evidence for. Invented notes, none taken
from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import decisive, knowledge
from panels.offline.member import default_members


def conditions(text: str) -> list[str]:
    return [s.condition for s in decisive.stated(text)]


def named_by(kb: knowledge.KnowledgeBase, text: str) -> list[str | None]:
    return [a.get("diagnosis") for a in (m.propose(text) for m in default_members(kb))]


# Tuberculosis: the bacillus found by a molecular test or a culture, or an interferon-gamma
# release assay written out.
@pytest.mark.parametrize(
    "text",
    [
        "Interferon-gamma release assay positive.",
        "Positive IGRA last month.",
        "Xpert MTB/RIF: MTB detected, rifampicin resistance not detected.",
        "Sputum culture grew Mycobacterium tuberculosis at 3 weeks.",
        "BAL PCR detected M. tuberculosis complex.",
        "M. tuberculosis isolated from the early-morning sputum.",
    ],
)
def test_the_tuberculosis_bacillus_found_or_a_positive_igra_is_a_sign(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Tuberculosis"], text
    assert signs[0].quoted in text


@pytest.mark.parametrize(
    "text",
    [
        "Interferon-gamma release assay negative.",
        "Xpert MTB/RIF: MTB not detected.",
        "Sputum NAAT did not detect M. tuberculosis.",
        "Sputum for MTB PCR and culture sent.",
        "Awaiting interferon-gamma release assay.",
        # Look-alikes: another mycobacterium, another bacterium in the sputum.
        "Sputum culture grew Mycobacterium avium complex.",
        "Sputum culture grew Streptococcus pneumoniae.",
    ],
)
def test_a_negative_or_pending_test_or_another_organism_is_no_tuberculosis_sign(
    text: str,
) -> None:
    assert "Tuberculosis" not in conditions(text), text


TUBERCULOSIS = (
    "52M, 2 months of cough and night sweats, lost 6 kg. Sputum PCR detected "
    "M. tuberculosis, rifampicin resistance not detected."
)


def test_a_note_with_the_bacillus_found_is_named_tuberculosis(
    kb: knowledge.KnowledgeBase,
) -> None:
    named = named_by(kb, TUBERCULOSIS)
    assert named.count("Tuberculosis") >= 3, named


def test_a_pneumonia_with_its_organism_grown_is_not_named_tuberculosis(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = (
        "67M 3 days of fever 39, rigors, cough with rusty sputum and right pleuritic pain. "
        "Sputum culture grew Streptococcus pneumoniae."
    )
    assert named_by(kb, text).count("Tuberculosis") < 3
