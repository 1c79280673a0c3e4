"""The live page's one fold: prose from streamed JSON, statuses, the progress line, and the
messages a connected page receives (prose to append, or server-rendered fragments)."""

from __future__ import annotations

import pytest

from cases import live, streaming, wording
from cases.live import LiveState, MemberCard
from cases.prose import prose
from tests.cases.scenarios import consensus_panel, delta, run_case, split_panel, started_case


def test_prose_shows_the_reasoning_as_it_is_written_never_the_json():
    assert prose('{"diagnosis": "Pneum') == ""
    assert prose('{"diagnosis": "Pneumonia", "icd10": "J18') == "Diagnosis: Pneumonia"
    assert prose('{"diagnosis": "Pneumonia", "confidence": 7') == "Diagnosis: Pneumonia"
    assert prose('{"diagnosis": "Pneumonia", "confidence": 72, "reasoning": "Fever and cou') == (
        "Diagnosis: Pneumonia\nConfidence: 72%\nFever and cou"
    )
    assert prose('{"vote": "B", "reasoning": "Best fit"}') == "Votes for proposal B\nBest fit"
    assert prose('{"reasoning": "Line one\\nsaid \\"crackles\\"", "differential": [') == (
        'Line one\nsaid "crackles"'
    )


def test_prose_keeps_words_before_the_json_and_drops_code_fences():
    assert prose('Let me think.\n```json\n{"reasoning": "Because') == "Let me think.\nBecause"
    assert prose("no json at all <<<diagnosis>>>") == "no json at all <<<diagnosis>>>"


def test_prose_waits_for_the_rest_of_a_split_escape():
    assert prose('{"reasoning": "caf\\u00') == "caf"
    assert prose('{"reasoning": "caf\\u00e9"') == "café"
    assert prose('{"reasoning": "a\\') == "a"


def state(n: int = 5) -> LiveState:
    members = [MemberCard(i, f"Agent-{i + 1}", "builtin", "bayes") for i in range(n)]
    return LiveState(1, n, 3, 2, members)


def event(seq: int, kind: str, **payload) -> streaming.EventMessage:
    return streaming.EventMessage(seq=seq, type=kind, payload=payload)  # type: ignore[typeddict-item]


def proposal(member: int, *, abstained: bool = False, confidence: int = 80) -> dict[str, object]:
    return {
        "member": member,
        "round": 1,
        "diagnosis": "Pneumonia",
        "icd10": "J18.9",
        "confidence": confidence,
        "reasoning": "Fever.",
        "differential": [],
        "class_key": "J18",
        "abstained": abstained,
    }


def test_a_member_is_thinking_until_text_arrives_then_writing():
    s = state()
    live.apply(s, event(1, "round.started", round=1))
    assert {m.status for m in s.members} == {"thinking"}

    live.apply(s, event(2, "member.delta", member=0, round=1, text='{"reasoning": "Fe'))

    assert s.members[0].status == "writing" and s.members[0].status_label == "Writing"
    assert s.members[1].status == "thinking"


def test_progress_counts_answers_abstentions_and_faults_per_round():
    s = state()
    live.apply(s, event(1, "round.started", round=1))
    live.apply(s, event(2, "member.proposal", **proposal(0)))
    live.apply(s, event(3, "member.proposal", **proposal(1)))
    live.apply(s, event(4, "member.proposal", **proposal(2, abstained=True)))
    live.apply(s, event(5, "member.fault", member=3, round=1, status="timeout", error="slow"))

    assert s.progress == ["Round 1: 3 of 5 answered, 1 abstained, 1 faulted"]
    assert s.members[2].status_label == "Abstained"


def test_the_outcome_names_the_winner_with_the_confidence_behind_it():
    s = state()
    live.apply(s, event(1, "round.started", round=1))
    for i in range(3):
        live.apply(s, event(2 + i, "member.proposal", **proposal(i, confidence=70 + i)))
    winner = {"class_key": "J18", "diagnosis": "Pneumonia", "icd10": "J18.9", "votes": 3}
    live.apply(
        s,
        event(
            9,
            "deliberation.finished",
            outcome="consensus",
            reason="unanimous_round1",
            winner=winner,
            tally={"J18": 3},
            faults=[],
        ),
    )

    assert s.winner_label == "Pneumonia (J18.9)"
    assert s.winner_confidence == [("Agent-1", 70), ("Agent-2", 71), ("Agent-3", 72)]
    html = live.render_fragment("outcome", s, can_review=False)
    assert "3 of 5 proposed it; quorum 3." in html
    assert "Agent-1 70%, Agent-2 71%, Agent-3 72%" in html
    assert wording.OFFLINE_WARNING in html


@pytest.mark.django_db(transaction=True)
def test_a_page_gets_prose_to_append_and_fragments_for_everything_else(clinician):
    d = started_case(clinician, consensus_panel())  # seq 3: member 0 wrote '{"diagnosis": '
    delta(d, 0, '"Pneumonia", "reasoning": "Fever')
    delta(d, 0, " and cough")
    feed = live.feed_for(d.pk, user=clinician, resume_from=3)
    events = streaming.events_after(d.pk, 3)

    first = feed.message(events[0])
    second = feed.message(events[1])

    # Text deltas carry only the prose to append, never the JSON around it.
    assert first["append"] == {"member": 0, "round": 1, "text": "Diagnosis: Pneumonia\nFever"}
    assert second["append"] == {"member": 0, "round": 1, "text": " and cough"}
    assert "html" not in first and "html" not in second
    # A member's first text changes its status, so its card is rendered anew.
    thinking = feed.message(event(6, "member.delta", member=2, round=1, text='{"reasoning": "A'))
    assert 'data-status="writing"' in thinking["html"]["member-2"]
    assert ">A</div>" in thinking["html"]["member-2"]
    assert "&quot;reasoning&quot;" not in thinking["html"]["member-2"]
    finished = feed.message(
        event(7, "member.fault", member=1, round=1, status="error", error="<b>boom</b>")
    )
    assert set(finished["html"]) == {"member-1", "outcome", "tally"}
    assert "&lt;b&gt;boom&lt;/b&gt;" in finished["html"]["member-1"]


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_deliberation_carries_the_current_decision_box(clinician):
    d = run_case(clinician, split_panel())  # a tie: NO CONSENSUS, queued for human review
    feed = live.feed_for(d.pk, user=clinician, resume_from=0)

    messages = [feed.message(e) for e in streaming.events_after(d.pk, 0)]

    ended = messages[-1]
    assert ended["type"] == "deliberation.finished"
    box = ended["html"]["current-decision"]
    assert box.lstrip().startswith('<section class="panel decision')
    assert 'id="current-decision"' in box and ">Human review</h2>" in box
    assert "no reviewer has claimed it yet" in box
    assert "Open the escalation" not in box  # a clinician may not open it
    assert all("current-decision" not in m.get("html", {}) for m in messages[:-1])
