"""The pre-check that skips a reading pattern on a text it cannot match: it must never skip a
text the pattern matches (a skipped match is a finding silently lost), and it must skip the
texts that hold none of the pattern's words (or it saves nothing)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panels.offline import decisive, extraction, literals

READING_PATTERNS = [checked.pattern for checked, _ in extraction._shorthand()] + [
    checked.pattern for checked in decisive._CHECKED
]


@pytest.mark.parametrize("pattern", READING_PATTERNS, ids=lambda p: p.pattern[:40])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_no_text_a_reading_pattern_matches_is_skipped(
    pattern: re.Pattern[str], data: st.DataObject
) -> None:
    text = data.draw(st.from_regex(pattern))
    assert literals.checked(pattern).may_match(literals.fold(text))


@given(st.text(), st.text())
def test_a_case_insensitive_word_is_found_in_any_spelling_re_matches(
    before: str, after: str
) -> None:
    pattern = re.compile(r"(?i)\bknee swelling\b")
    for spelling in ("KNEE SWELLING", "Knee swelling", "\u212anee \u017fwelling"):
        text = f"{before} {spelling} {after}"
        if pattern.search(text):
            assert literals.checked(pattern).may_match(literals.fold(text))


def test_the_words_a_match_needs() -> None:
    def needs(pattern: str) -> frozenset[str] | None:
        return literals.checked(re.compile(pattern)).needs

    assert needs(r"\bSOB\b") == frozenset({"sob"})
    assert needs(r"(?i)\b(?:h/o|hx|pmhx?)\b:?") == frozenset({"h/o", "hx", "pmh"})
    assert needs(r"(?i)\bchest (?:is |was )?tight\b") == frozenset({"chest "})
    assert needs(r"(?i)(?:no )?x") == frozenset({"x"})  # an optional word is not needed
    assert needs(r"\d+") is None  # nothing literal to look for: always run


def test_a_text_without_the_words_is_skipped_and_one_with_them_is_not() -> None:
    checked = literals.checked(re.compile(r"(?i)\bhyper-?resonan(?:t|ce)\b"))
    assert not checked.may_match(literals.fold("Chest clear, dull at the left base."))
    assert checked.may_match(literals.fold("HYPERRESONANT on the left"))


def test_expansion_and_signs_read_a_note_as_before() -> None:
    expanded, _ = extraction.expand("67M c/o SOB and CP, hx of DVT, FH of asthma")
    assert expanded == (
        "67-year-old man complains of shortness of breath and chest pain, history of DVT, "
        "family history of asthma"
    )
    assert [s.condition for s in decisive.stated("Hyperresonant L chest.")] == [
        "Spontaneous pneumothorax"
    ]
