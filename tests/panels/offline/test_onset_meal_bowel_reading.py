"""Readings of chest-pain and gut notes (panels/offline/lay_phrasings.py and lay_words.py): a
pain that came on suddenly or at rest, symptoms after meals, a rising acid burn and a bowel
that still works. Hand-written sentences, none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction
from tests.panels.offline.members import present

SUDDEN = "E_59_@_9"
AT_REST = "E_14"
AFTER_MEALS = "E_215"
RISING_BURN = "E_173"
PASSING_STOOL = "E_150"


def absent(text: str, kb) -> set[str]:
    return {f.token for f in extraction.read(text, kb=kb).absent}


@pytest.mark.parametrize(
    "text",
    [
        "Sudden onset of right sided chest pain an hour ago.",
        "He felt a sudden, severe pain in his back.",
        "The pain in my chest came on all of a sudden.",
        "Headache of sudden onset while lifting weights.",
        "The chest pain started abruptly at work.",
    ],
)
def test_a_pain_that_came_on_suddenly_has_the_fastest_onset(kb, text):
    assert SUDDEN in present(text, kb), text


def test_a_sudden_pain_keeps_its_place(kb):
    tokens = present("She felt sudden severe pain in the lower chest.", kb)
    assert SUDDEN in tokens
    assert "E_55_@_V_29" in tokens  # the lower chest, still read with the pain


@pytest.mark.parametrize(
    "text",
    [
        "Sudden breathlessness, no chest pain.",
        "Chest pain for three weeks, gradually worse.",
        "He suddenly felt dizzy.",
    ],
)
def test_no_sudden_pain_without_a_pain_that_came_on_suddenly(kb, text):
    assert SUDDEN not in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "Chest pain began while sitting at her desk.",
        "Sharp chest pain whilst he was watching TV.",
        "The chest pain started when resting after dinner.",
    ],
)
def test_a_chest_pain_that_began_while_sitting_began_at_rest(kb, text):
    assert AT_REST in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "Chest pain, better when sitting forward.",
        "Knee pain while sitting.",
        "Breathless while sitting.",
    ],
)
def test_sitting_is_no_chest_pain_at_rest_when_it_eases_or_there_is_none(kb, text):
    assert AT_REST not in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "The burning is worse after dinner.",
        "Bloated within an hour of eating.",
        "Pain after a big spicy meal.",
        "Heartburn following meals.",
    ],
)
def test_symptoms_after_a_meal_are_worse_after_eating(kb, text):
    assert AFTER_MEALS in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "The pain is better after food.",
        "She takes her tablets with food.",
        "Chest pain on exertion, not after meals.",
    ],
)
def test_a_meal_that_eases_or_goes_with_tablets_is_not_worse_after_eating(kb, text):
    assert AFTER_MEALS not in present(text, kb), text


def test_a_denied_meal_link_is_read_as_denied(kb):
    assert AFTER_MEALS in absent("Chest pain on exertion but not after eating.", kb)


@pytest.mark.parametrize(
    "text",
    [
        "I get a sour taste in my mouth at night.",
        "He tastes bile at the back of his throat.",
        "A burning that rises up from my stomach.",
        "Burning sensation which moves up into the throat.",
    ],
)
def test_an_acid_taste_or_a_rising_burn_is_the_rising_burn(kb, text):
    assert RISING_BURN in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "No vomiting, bowels open, passing flatus.",
        "No nausea, BO normal.",
        "No fever; normal bowel habit.",
        "No blood, and I'm going to the toilet normally.",
        "Lump in the groin, no problems with my bowels.",
    ],
)
def test_bowels_that_work_are_read_after_a_denial(kb, text):
    assert PASSING_STOOL in present(text, kb), text


@pytest.mark.parametrize(
    "text",
    [
        "She is not passing wind.",
        "He has not been passing wind or stool since yesterday.",
        "No flatus or stool for two days.",
    ],
)
def test_bowels_that_do_not_work_are_not_read_as_working(kb, text):
    assert PASSING_STOOL not in present(text, kb), text
