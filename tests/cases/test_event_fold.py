"""A deliberation's events tell the same story as its rows (zulip's ``verify_action`` way):
fold every stored ``DeliberationEvent`` payload, in sequence order, into a state (members,
proposals, votes, streamed text, outcome) and compare it with the Proposal, Vote and
Deliberation rows the run wrote. A page that rebuilds itself from the events (a reload, a
replay after reconnecting) then shows exactly what the database holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

import pytest
from asgiref.sync import async_to_sync

from cases import deliberation, streaming
from cases.deliberation import persistence
from cases.models import Deliberation, DeliberationEvent, TurnStatus
from tests.factories import make_panel
from tests.fakes import scripted
from tests.fakes.scripted import abstain, answer

PNEUMONIA = answer("Community-acquired pneumonia", "J18.9")
ASTHMA = answer("Asthma exacerbation", "J45.901")
PE = answer("Pulmonary embolism", "I26.99")
HESITANT = answer("Acute bronchitis", "J20.9", confidence=20)


def member(propose: Any, **options: Any) -> dict[str, Any]:
    return {"provider": "scripted", "options": {"propose": propose, **options}}


def faulty(mode: str, propose: Any = PE) -> dict[str, Any]:
    return {"provider": "scripted", "fault_mode": mode, "options": {"propose": propose}}


@dataclass
class Folded:
    """What the events say, member by member and round by round."""

    members: list[int] = field(default_factory=list)
    proposals: dict[int, dict[str, Any]] = field(default_factory=dict)
    votes: dict[int, dict[str, Any]] = field(default_factory=dict)
    text: dict[tuple[int, int], str] = field(default_factory=dict)
    rounds: list[tuple[str, int]] = field(default_factory=list)
    finished: dict[str, Any] | None = None


def fold(events: list[tuple[int, str, dict[str, Any]]]) -> Folded:
    state = Folded()
    for expected_seq, (seq, kind, p) in enumerate(events, start=1):
        assert seq == expected_seq, "events are numbered without gaps"
        assert state.finished is None, f"{kind} after deliberation.finished"
        if kind == "deliberation.started":
            state.members = [m["index"] for m in p["members"]]
        elif kind in ("round.started", "round.finished"):
            state.rounds.append((kind, p["round"]))
        elif kind == "member.delta":
            key = (p["member"], p["round"])
            state.text[key] = state.text.get(key, "") + p["text"]
        elif kind == "member.repair":
            state.text[(p["member"], p["round"])] = ""  # the corrected answer replaces it
        elif kind == "member.proposal":
            state.proposals[p["member"]] = {"status": TurnStatus.OK, **_proposal(p)}
        elif kind == "member.vote":
            state.votes[p["member"]] = {"status": TurnStatus.OK, **_vote(p)}
        elif kind == "member.cancelled":
            state.votes[p["member"]] = {"status": TurnStatus.CANCELLED}
        elif kind == "member.fault":
            into = state.proposals if p["round"] == 1 else state.votes
            into[p["member"]] = {"status": p["status"], "error": p["error"]}
        elif kind == "deliberation.finished":
            state.finished = p
        else:
            raise AssertionError(f"unexpected event {kind}")
    return state


def _proposal(p: dict[str, Any]) -> dict[str, Any]:
    keys = ("diagnosis", "icd10", "confidence", "class_key", "abstained", "below_threshold")
    return {k: p[k] for k in keys}


def _vote(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("letter", "for_member", "class_key", "abstained")}


def rows(d: Deliberation) -> Folded:
    """The same state, read from the rows."""
    state = Folded(members=list(range(len(d.panel_snapshot["members"]))))
    for row in d.proposals.order_by("member_index"):
        if row.status == TurnStatus.OK:
            state.proposals[row.member_index] = {
                "status": row.status,
                "diagnosis": row.diagnosis,
                "icd10": row.icd10,
                "confidence": row.confidence,
                "class_key": row.class_key,
                "abstained": row.abstained,
                "below_threshold": row.below_threshold,
            }
        else:
            state.proposals[row.member_index] = {"status": row.status, "error": row.error}
        state.text[(row.member_index, 1)] = row.raw_text
    for vote in d.votes.select_related("proposal").order_by("member_index"):
        if vote.status == TurnStatus.OK:
            state.votes[vote.member_index] = {
                "status": vote.status,
                "letter": vote.letter,
                "for_member": vote.proposal.member_index if vote.proposal else None,
                "class_key": vote.class_key,
                "abstained": vote.abstained,
            }
        elif vote.status == TurnStatus.CANCELLED:
            state.votes[vote.member_index] = {"status": vote.status}
        else:
            state.votes[vote.member_index] = {"status": vote.status, "error": vote.error}
        state.text[(vote.member_index, 2)] = vote.raw_text
    return state


SCENARIOS = {
    "unanimous round 1": [member(PNEUMONIA)] * 5,
    "a vote by supermajority": [member(PNEUMONIA)] * 2
    + [member(ASTHMA, vote_for="J18.9")]
    + [member(PE)] * 2,
    "a tie": [member(PNEUMONIA)] * 2 + [member(PE)] * 2 + [member(ASTHMA)],
    "crashes, garbage and colluders": [member(PNEUMONIA)] * 2
    + [faulty("crash"), faulty("garbage"), faulty("collude")],
    "too many faults": [member(PNEUMONIA)] * 2 + [faulty("crash")] * 3,
    "abstentions and a hesitant member": [member(PNEUMONIA)] * 2
    + [member(abstain()), member(HESITANT), member(PE, vote_for="J18.9")],
    "a voter faults in round 2": [member(PNEUMONIA)] * 2
    + [member(PE, vote_for="J18.9"), member(PE), faulty("out_of_range", ASTHMA)],
    "early decision cancels slow voters": [member(PNEUMONIA)] * 3
    + [member(PE, vote_delay_s=30), member(ASTHMA, vote_delay_s=30)],
}


@pytest.fixture(autouse=True)
def _reset_calls():
    scripted.CALLS.clear()


@pytest.mark.parametrize("members", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_folding_the_events_gives_back_the_rows(db, members):
    panel = make_panel("fold", members, grace_period_s=30, min_confidence=50)
    created = deliberation.create("Fever, cough, crackles.", panel=panel, submitted_by_id=None)

    async_to_sync(deliberation.run)(created.pk)

    d = Deliberation.objects.select_related("case").get(pk=created.pk)
    events = [(e.seq, e.type, e.payload) for e in d.events.order_by("seq")]
    folded, stored = fold(events), rows(d)
    assert d.last_seq == len(events)
    assert folded.members == stored.members
    assert folded.proposals == stored.proposals
    assert folded.votes == stored.votes
    # The streamed text of every answer that was not repaired is its stored raw text.
    for key, text in stored.text.items():
        if key in folded.text and text:
            assert folded.text[key] == text, key
    held = [1, 2] if d.rounds == 2 else [1]
    assert folded.rounds == [
        (kind, r) for r in held for kind in ("round.started", "round.finished")
    ]
    assert folded.finished is not None
    assert (folded.finished["outcome"], folded.finished["reason"]) == (d.outcome, d.reason)
    assert folded.finished["tally"] == d.tally
    faults = sorted(
        {r.member_index for r in d.proposals.all() if r.is_fault}
        | {v.member_index for v in d.votes.all() if v.is_fault}
    )
    assert folded.finished["faults"] == faults
    escalation = d.escalations.first()
    assert folded.finished["escalation"] == (escalation.pk if escalation else None)


# --- the typed payloads describe what is stored -------------------------------------------

# Each event type's payload TypedDict, read from the pairs of streaming.Event.
PAYLOADS = {get_args(get_args(pair)[0])[0]: get_args(pair)[1] for pair in get_args(streaming.Event)}


def test_every_event_type_has_exactly_one_typed_payload():
    assert sorted(PAYLOADS) == sorted(get_args(streaming.EventType))
    assert len(get_args(streaming.Event)) == len(PAYLOADS)


def test_every_stored_payload_has_the_keys_of_its_typed_payload(db):
    # Between them these runs write every event type: deltas, repairs, proposals, faults,
    # votes, cancelled voters, both rounds, a decision and a failure.
    seen: set[str] = set()
    for name in ("crashes, garbage and colluders", "early decision cancels slow voters"):
        scripted.CALLS.clear()
        panel = make_panel(f"keys{len(seen)}", SCENARIOS[name], grace_period_s=30)
        created = deliberation.create("Fever, cough, crackles.", panel=panel, submitted_by_id=None)
        async_to_sync(deliberation.run)(created.pk)
        seen |= _check_payload_keys(created.pk)
    failed = deliberation.create("Fever, cough.", panel=panel, submitted_by_id=None)
    persistence.fail(failed.pk, "Internal error: test")
    seen |= _check_payload_keys(failed.pk)

    assert seen == set(PAYLOADS)


def _check_payload_keys(deliberation_id: int) -> set[str]:
    kinds = set()
    for event in DeliberationEvent.objects.filter(deliberation_id=deliberation_id):
        typed = PAYLOADS[event.type]
        assert set(event.payload) == typed.__required_keys__ | typed.__optional_keys__, event.type
        kinds.add(event.type)
    return kinds
