"""Parsing, classes, tally and decision (pure: no database)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases import protocol
from panels import quorum

GOOD = {
    "diagnosis": "Community-acquired pneumonia",
    "icd10": "J18.9",
    "confidence": 80,
    "reasoning": "Fever and crackles.",
    "differential": ["Bronchitis"],
}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(GOOD),
        f"Here is my answer:\n```json\n{json.dumps(GOOD)}\n```\nThanks.",
        f"I think {json.dumps(GOOD)} is right.",
    ],
)
def test_proposal_is_found_in_prose_or_code_fences(text):
    p = protocol.parse_proposal(text)

    assert (p.diagnosis, p.icd10, p.confidence) == ("Community-acquired pneumonia", "J18.9", 80)


def test_icd10_codes_are_normalised_and_checked_against_the_official_set():
    assert protocol.normalize_icd10(" j189 ") == "J18.9"
    assert protocol.normalize_icd10("J18") == "J18"
    assert protocol.normalize_icd10("J00-J06") is None
    assert protocol.normalize_icd10("Q99.99") is None
    assert protocol.icd10_description("J18.9") == "Pneumonia, unspecified organism"
    assert protocol.is_billable("J18.9") and not protocol.is_billable("J18")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"icd10": "XYZ"}, "not a valid ICD-10-CM"),
        ({"confidence": 140}, "integer from 0 to 100"),
        ({"diagnosis": "  "}, "'diagnosis' is missing"),
        ({"reasoning": "x" * 5000}, "longer than 4000"),
        ({"differential": "Bronchitis"}, "must be a list"),
    ],
)
def test_invalid_proposals_get_an_error_written_for_the_repair_request(change, message):
    with pytest.raises(protocol.ProtocolError, match=message):
        protocol.parse_proposal(json.dumps({**GOOD, **change}))


def test_text_without_json_asks_for_json():
    with pytest.raises(protocol.ProtocolError, match="no JSON object"):
        protocol.parse_proposal("I believe it is pneumonia.")


def test_a_repaired_answer_with_a_bad_code_falls_back_to_its_name():
    p = protocol.parse_proposal(json.dumps({**GOOD, "icd10": "nope"}), strict_icd10=False)

    assert p.icd10 is None and p.icd10_raw == "nope"
    assert protocol.class_key(p.diagnosis, p.icd10) == "name:community acquired pneumonia"


def test_votes_must_name_a_letter_on_the_ballot():
    vote = protocol.parse_vote('{"vote": "proposal b", "reasoning": "fits"}', letters=["A", "B"])
    assert vote.letter == "B"
    with pytest.raises(protocol.ProtocolError, match="not one of the ballot letters A, B"):
        protocol.parse_vote('{"vote": "C", "reasoning": "x"}', letters=["A", "B"])


def test_classes_follow_the_agreement_level():
    assert protocol.class_key("CAP", "J18.9") == protocol.class_key("Pneumonia", "J18.1") == "J18"
    assert protocol.class_key("CAP", "J18.9", level="code") == "J18.9"
    assert protocol.class_key("Community-Acquired  Pneumonia!", None) == (
        "name:community acquired pneumonia"
    )


def valid_configs() -> st.SearchStrategy[quorum.QuorumRules]:
    return (
        st.tuples(st.integers(1, 15), st.integers(1, 15), st.integers(0, 14))
        .map(lambda t: quorum.QuorumRules(*t))
        .filter(lambda r: not r.problems())
    )


@given(rules=valid_configs(), data=st.data())
def test_no_valid_configuration_can_produce_two_winners(rules, data):
    keys = data.draw(st.lists(st.sampled_from("ABCD"), max_size=rules.n))
    counts = protocol.tally(keys)

    assert sum(1 for votes in counts.values() if votes >= rules.q) <= 1


@given(rules=valid_configs(), data=st.data())
def test_faulty_members_alone_never_produce_a_consensus(rules, data):
    # Only the f faulty members vote (the honest ones time out); they all push one class.
    faulty_votes = ["WRONG"] * rules.f
    honest_faults = data.draw(st.integers(0, rules.n - rules.f))

    d = protocol.decide(q=rules.q, f=rules.f, faults=honest_faults, vote_keys=faulty_votes)

    assert d.outcome == "no_consensus"


@given(rules=valid_configs(), data=st.data())
def test_n_minus_f_honest_agreeing_members_always_decide(rules, data):
    faulty = data.draw(st.lists(st.sampled_from(["X", "Y", "Z"]), max_size=rules.f))
    faults = rules.f - len(faulty)  # the rest of the faulty members crashed
    honest = ["RIGHT"] * (rules.n - rules.f)

    d = protocol.decide(q=rules.q, f=rules.f, faults=faults, vote_keys=honest + faulty)

    assert (d.outcome, d.winner) == ("consensus", "RIGHT")


@given(
    keys=st.lists(st.sampled_from(["J18", "I26", "J45", "name:flu"]), max_size=12),
    seed=st.randoms(),
)
def test_the_tally_is_independent_of_ballot_order(keys, seed):
    shuffled = list(keys)
    seed.shuffle(shuffled)

    assert protocol.tally(keys) == protocol.tally(shuffled)
    assert protocol.decide(q=3, f=2, faults=0, vote_keys=keys) == protocol.decide(
        q=3, f=2, faults=0, vote_keys=shuffled
    )


def test_more_faults_than_f_is_no_consensus_whatever_the_votes_say():
    d = protocol.decide(q=3, f=2, faults=3, vote_keys=["J18", "J18", "J18"])

    assert (d.outcome, d.reason) == ("no_consensus", "too_many_faults")


def test_a_split_at_the_top_is_a_tie_and_anything_else_short_of_quorum_is_not():
    assert protocol.decide(q=3, f=2, faults=0, vote_keys=["A", "A", "B", "B", "C"]).reason == "tie"
    assert (
        protocol.decide(q=3, f=2, faults=1, vote_keys=["A", "A", "B", "C"]).reason
        == "no_supermajority"
    )


@given(
    counts=st.dictionaries(st.sampled_from("ABC"), st.integers(0, 5)), outstanding=st.integers(0, 5)
)
def test_settled_means_no_outstanding_ballot_can_change_the_outcome(counts, outstanding):
    q = 3
    if not protocol.is_settled(counts, q=q, outstanding=outstanding):
        return
    best = max(counts.values(), default=0)
    decided = best >= q
    for extra in range(outstanding + 1):
        for key in "ABC":
            more = dict(counts)
            more[key] = more.get(key, 0) + extra
            assert (max(more.values()) >= q) == decided or decided


def test_each_voter_gets_its_own_reproducible_shuffle():
    orders = {tuple(protocol.shuffled_order(5, seed=s)) for s in range(20)}

    assert len(orders) > 5
    assert protocol.shuffled_order(5, seed=7) == protocol.shuffled_order(5, seed=7)
