"""Abstentions in words, the same everywhere: the queue, the case page, the API and
`manage.py deliberate`."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from cases import live, streaming
from cases.models import ABSTAINED_MARK, ABSTAINED_VOTE, Deliberation
from panels.models import Panel
from tests.cases.scenarios import member, run_case
from tests.factories import make_panel
from tests.fakes.scripted import abstain, answer

PNEUMONIA = answer("Community-acquired pneumonia", "J18.9")
PE = answer("Pulmonary embolism", "I26.99")
WHY = "The note says only 'asdf qwerty': this is not a clinical case."
SENTENCE = "3 of 5 members abstained: not enough information to decide"
BELOW = "Below the panel&#x27;s confidence threshold (50%)"


def abstaining_panel(name: str = "unsure") -> Panel:
    """Two confident pneumonia proposals, one hesitant (30 %) and two abstentions: three
    members count for nobody at min_confidence 50."""
    hesitant = {**PNEUMONIA, "confidence": 30}
    return make_panel(
        name,
        [member(PNEUMONIA), member(hesitant)] + [member(abstain(WHY))] * 2 + [member(PNEUMONIA)],
        min_confidence=50,
    )


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def page_text(client: Client, d: Deliberation) -> str:
    return client.get(f"/cases/{d.case_id}/").content.decode()


@pytest.fixture
def unsure(clinician) -> Deliberation:
    d = run_case(clinician, abstaining_panel())
    assert (d.outcome, d.reason) == ("no_consensus", "insufficient_information")
    return d


def test_the_case_page_says_how_many_abstained_and_shows_each_abstention(client, clinician, unsure):
    text = page_text(login(client, clinician), unsure)

    assert SENTENCE + "." in text
    marks = re.findall(r'data-field="mark"(?: hidden)?>([^<]*)<', text)
    assert marks == ["", BELOW, ABSTAINED_MARK, ABSTAINED_MARK, ""]
    reasons = re.findall(r'<dd data-field="reasoning">([^<]*)</dd>', text)
    assert reasons[2:4] == [html.escape(WHY)] * 2
    assert "None%" not in text


def test_the_queue_and_the_escalation_say_it_in_words(client, reviewer, unsure):
    login(client, reviewer)

    queue = client.get("/escalations/").content.decode()
    escalation = unsure.escalations.get()
    detail = client.get(f"/escalations/{escalation.pk}/").content.decode()

    assert SENTENCE in queue
    assert SENTENCE in detail


def test_the_api_gives_the_sentence_the_count_and_each_mark(client, clinician, unsure):
    body = login(client, clinician).get(f"/api/deliberations/{unsure.pk}").json()

    assert body["reason_text"] == SENTENCE + "."
    assert body["abstentions"] == 3
    marks = [(p["abstained"], p["below_threshold"], p["mark"]) for p in body["proposals"]]
    assert marks == [
        (False, False, ""),
        (False, True, "Below the panel's confidence threshold (50%)"),
        (True, False, ABSTAINED_MARK),
        (True, False, ABSTAINED_MARK),
        (False, False, ""),
    ]


def test_deliberate_json_and_text_say_it_in_words(db):
    abstaining_panel("cli-unsure")

    out = io.StringIO()
    call_command("deliberate", "--panel", "cli-unsure", "--text", "asdf", "--json", stdout=out)
    record = json.loads(out.getvalue())
    text = io.StringIO()
    call_command("deliberate", "--panel", "cli-unsure", "--text", "asdf", stdout=text)

    assert record["reason"] == "insufficient_information"
    assert record["reason_text"] == SENTENCE
    assert record["abstentions"] == 3
    third = record["members"][2]["proposal"]
    assert (third["abstained"], third["mark"], third["reasoning"]) == (True, ABSTAINED_MARK, WHY)
    second = record["members"][1]["proposal"]
    assert second["below_threshold"] and second["confidence"] == 30
    assert f"NO CONSENSUS ({SENTENCE})" in text.getvalue()
    assert f"{ABSTAINED_MARK}: {WHY}" in text.getvalue()


def test_a_round2_abstention_is_shown_and_not_tallied(client, clinician):
    d = run_case(
        clinician,
        make_panel(
            "vote-unsure",
            [member(PNEUMONIA)] * 3 + [member(PE, vote_for="abstain")] + [member(PE)],
            early_decision=False,
        ),
    )
    state = live.state_for(d)

    assert state.members[3].vote_for == ABSTAINED_VOTE
    assert d.tally == {"J18": 3, "I26": 1}
    before_the_end = [
        e for e in streaming.events_after(d.pk, 0) if e["type"] != "deliberation.finished"
    ]
    midway = live.fold(live.initial_state(d), before_the_end)
    assert midway.live_votes == {"J18": 3, "I26": 1}
    assert ABSTAINED_VOTE in page_text(login(client, clinician), d)
