"""Ebola's decisive sign (decisive_more.MORE): the WHO's suspected case, a fever and its
illness after an exposure to the virus. Invented notes (not from any evaluation set)."""

from __future__ import annotations

import pytest

from panels.offline import decisive, knowledge
from tests.panels.offline.members import named_by

EXPOSED = (
    "38M back from Liberia 8 days ago, where he helped wash the body of his aunt, who died "
    "after a fever with bleeding. Now 2 days of fever 39.2, vomiting, watery diarrhoea and "
    "muscle aches."
)


@pytest.mark.parametrize(
    "text",
    [
        EXPOSED,
        "Doctor returned from an Ebola treatment centre in Sierra Leone; needlestick 10 days "
        "ago. Febrile 38.8, severe headache, vomiting.",
        "Had contact with an Ebola patient in Guinea. Fever since yesterday, gums oozing.",
    ],
)
def test_a_fever_and_its_illness_after_an_exposure_reads_as_ebola(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Ebola"]
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        # Another cause found, the exposure or the fever denied, no illness after it.
        EXPOSED + " Thick film: Plasmodium falciparum 2%.",
        EXPOSED + " NS1 antigen positive.",
        "Back from Sierra Leone, no funerals, no contact with Ebola patients. Fever, vomiting.",
        "Helped wash the body at a funeral in Liberia. No fever; some diarrhoea.",
        "Works in an Ebola treatment centre. Fever 38.5 only, otherwise well.",
        # A funeral is no exposure unless the dead had bled.
        "Attended her grandfather's funeral in Ghana after he died of a stroke; fever, vomiting.",
    ],
)
def test_no_ebola_sign_for_another_cause_a_denial_or_a_funeral_alone(text: str) -> None:
    assert "Ebola" not in [s.condition for s in decisive.stated(text)]


def test_an_exposed_traveller_with_the_illness_reaches_consensus_on_ebola(
    kb: knowledge.KnowledgeBase,
) -> None:
    assert named_by(kb, EXPOSED).count("Ebola") >= 3
    unexposed = EXPOSED.replace(
        "where he helped wash the body of his aunt, who died after a fever with bleeding",
        "on business",
    ).replace("Liberia", "Spain")
    assert "Ebola" not in named_by(kb, unexposed)
