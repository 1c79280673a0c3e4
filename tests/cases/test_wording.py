"""Words from one place: plurals, reasons (never a raw code) and queue candidate lines; and
the one rule that names a diagnosis class."""

from __future__ import annotations

from typing import get_args

from cases import protocol, wording


def test_plurals():
    assert wording.plural(0, "vote") == "0 votes"
    assert wording.plural(1, "vote") == "1 vote"
    assert wording.plural(2, "proposal") == "2 proposals"


def test_reason_codes_are_never_shown_raw():
    assert wording.reason_label("no_supermajority") == "No supermajority"
    assert wording.reason_label("insufficient_information") == "Not enough information"
    assert wording.reason_label("some_new_reason") == "Some new reason"
    assert wording.reason_sentence("insufficient_information", n=5, abstained=3) == (
        "3 of 5 members abstained: not enough information to decide."
    )


def test_a_skipped_round_two_shows_round_one_support():
    line = wording.candidate_line("Ebola (A98.4)", votes=0, proposals=5, n=5, round2_skipped=True)
    assert line == "Ebola (A98.4): 5 of 5 proposed it; no vote was needed"
    assert (
        wording.candidate_line("PE (I26.99)", votes=1, proposals=2, n=5, round2_skipped=False)
        == "PE (I26.99): 1 vote, 2 proposals"
    )


def test_a_class_is_named_after_its_most_voted_then_most_confident_proposal():
    members = [
        protocol.ClassMember("Pneumonia", "J18.9", confidence=90, member_index=0),
        protocol.ClassMember(
            "Lobar pneumonia", "J18.1", confidence=60, member_index=1, votes_received=2
        ),
    ]
    assert protocol.class_name("J18", members).label == "Lobar pneumonia (J18.1)"
    assert protocol.class_name("J18", members[:1]).label == "Pneumonia (J18.9)"
    assert protocol.class_name("name:chest pain", []).label == "chest pain"
    assert protocol.class_name("name:x", [protocol.ClassMember("X", None)]).label == "X"


def test_every_card_status_and_page_state_has_its_words():
    # The Literals are what mypy lets the live state hold; each needs a label on the page.
    assert set(wording.STATUS_LABELS) == set(get_args(wording.CardStatus))
    assert set(wording.STATE_TITLES) == set(get_args(wording.PageState))
    assert set(wording.STATE_TITLES) >= set(get_args(protocol.Outcome))
