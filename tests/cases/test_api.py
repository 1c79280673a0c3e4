"""The JSON API on its mounted URLs: session (with CSRF) and bearer-token authentication,
the same visibility as the pages, and JSON errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from cases import runners, tokens
from cases.deliberation import EMPTY_TEXT, PANEL_NOT_FOUND, TEXT_TOO_LONG
from cases.models import CANNOT_SUBMIT, ApiToken, Case
from tests.cases.scenarios import CASE_TEXT, consensus_panel, run_case, split_panel, started_case


@pytest.fixture
def started(monkeypatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(runners, "start", ids.append)
    return ids


@pytest.fixture
def token(clinician) -> str:
    return tokens.create(clinician, name="tests")[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_json(client: Client, path: str, body: dict[str, Any], **kwargs):
    return client.post(path, json.dumps(body), content_type="application/json", **kwargs)


# --- authentication --------------------------------------------------------------------------


def test_anonymous_requests_are_refused_with_a_json_message(client, db):
    response = client.get("/api/cases")

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_script_submits_a_case_with_a_bearer_token(client, clinician, token, started):
    consensus_panel("main", is_default=True)

    response = post_json(
        client, "/api/cases", {"text": CASE_TEXT, "age": 67}, headers=bearer(token)
    )

    assert response.status_code == 202
    body = response.json()
    case = Case.objects.get()
    assert body["id"] == case.pk and case.submitted_by == clinician
    assert body["panel"] == "main" and body["status"] == "deliberating"
    assert body["page_url"] == f"/cases/{case.pk}/"
    assert started == [body["deliberation_id"]]


def test_only_the_hash_of_a_token_is_stored(clinician):
    row, plaintext = tokens.create(clinician, name="ci")

    assert plaintext not in {row.token_hash, row.prefix}
    assert len(row.token_hash) == 64
    assert ApiToken.objects.filter(token_hash__contains=plaintext).count() == 0


def test_an_unknown_or_revoked_token_is_refused(client, clinician, token):
    ApiToken.objects.all().delete()

    assert client.get("/api/cases", headers=bearer(token)).status_code == 401
    assert client.get("/api/cases", headers=bearer("cdx_made-up")).status_code == 401


def test_create_api_token_command_prints_a_working_token(client, clinician, capsys):
    call_command("create_api_token", "clin", "--name", "laptop")

    printed = capsys.readouterr().out.strip()
    assert client.get("/api/cases", headers=bearer(printed)).status_code == 200
    assert ApiToken.objects.get().name == "laptop"


def test_browser_session_can_post_with_its_csrf_token(clinician, started):
    consensus_panel("main", is_default=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clinician)
    browser.get("/cases/new/")  # sets the CSRF cookie, as a page visit does
    csrf = browser.cookies["csrftoken"].value

    response = post_json(browser, "/api/cases", {"text": CASE_TEXT}, headers={"X-CSRFToken": csrf})

    assert response.status_code == 202


def test_forged_cross_site_post_without_csrf_token_is_refused(clinician, started):
    consensus_panel("main", is_default=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clinician)

    response = post_json(browser, "/api/cases", {"text": CASE_TEXT})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Case.objects.exists() and started == []


# --- submitting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": "  "}, "text", EMPTY_TEXT),
        ({"text": "x" * 81}, "text", TEXT_TOO_LONG.format(length=81, limit=80)),
        ({"text": CASE_TEXT, "panel": "nope"}, "panel", PANEL_NOT_FOUND.format(name="nope")),
        ({"text": CASE_TEXT, "age": 400}, "age", "Input should be less than or equal to 130"),
        ({"text": CASE_TEXT, "sex": "X"}, "sex", "Input should be '', 'F' or 'M'"),
        ({"age": 3}, "text", "Field required"),
    ],
    ids=["empty", "too-long", "unknown-panel", "bad-age", "bad-sex", "missing-text"],
)
def test_invalid_submission_is_422_naming_the_field(
    client, token, started, settings, body, field, message
):
    settings.CASE_TEXT_MAX_CHARS = 80
    consensus_panel("main", is_default=True)

    response = post_json(client, "/api/cases", body, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert response.json()["detail"] == f"{field}: {message}"
    assert not Case.objects.exists() and started == []


def test_reviewer_cannot_submit(client, reviewer, started):
    consensus_panel("main", is_default=True)
    reviewer_token = tokens.create(reviewer, name="r")[1]

    response = post_json(client, "/api/cases", {"text": CASE_TEXT}, headers=bearer(reviewer_token))

    assert response.status_code == 403
    assert response.json() == {"detail": CANNOT_SUBMIT}


# --- reading ---------------------------------------------------------------------------------


def test_list_shows_own_cases_newest_first_paginated_and_filtered(
    client, clinician, other_clinician, token
):
    agreed = run_case(clinician, consensus_panel())
    tied = run_case(clinician, split_panel())
    run_case(other_clinician, consensus_panel("theirs"))

    everything = client.get("/api/cases", headers=bearer(token)).json()
    page2 = client.get("/api/cases?page=2&page_size=1", headers=bearer(token)).json()
    agreed_only = client.get("/api/cases?outcome=consensus", headers=bearer(token)).json()

    assert everything["count"] == 2
    assert [c["id"] for c in everything["items"]] == [tied.case_id, agreed.case_id]
    assert [c["id"] for c in page2["items"]] == [agreed.case_id]
    assert [c["id"] for c in agreed_only["items"]] == [agreed.case_id]
    first = agreed_only["items"][0]
    assert first["outcome"] == "consensus"
    assert first["winner_diagnosis"] == "Community-acquired pneumonia"
    assert first["winner_icd10"] == "J18.9"
    assert first["elapsed_s"] is not None


def test_unknown_outcome_filter_is_422(client, token):
    response = client.get("/api/cases?outcome=maybe", headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "outcome"


def test_reviewer_lists_every_clinicians_cases(client, clinician, other_clinician, reviewer):
    panel = consensus_panel()
    run_case(clinician, panel)
    run_case(other_clinician, panel)
    client.force_login(reviewer)

    assert client.get("/api/cases").json()["count"] == 2


def test_another_clinicians_case_and_deliberation_are_404_not_403(client, other_clinician, token):
    theirs = run_case(other_clinician, consensus_panel())

    case = client.get(f"/api/cases/{theirs.case_id}", headers=bearer(token))
    delib = client.get(f"/api/deliberations/{theirs.pk}", headers=bearer(token))

    assert (case.status_code, delib.status_code) == (404, 404)
    assert case.json() == {"detail": "Not Found"}


def test_get_case(client, clinician, token):
    d = run_case(clinician, consensus_panel())

    body = client.get(f"/api/cases/{d.case_id}", headers=bearer(token)).json()

    assert body["text"] == d.case.text
    assert body["deliberation_id"] == d.pk
    assert body["status"] == "consensus" and body["status_label"] == "Consensus"


def test_deliberation_record_has_proposals_votes_tally_outcome_and_events(client, clinician, token):
    d = run_case(clinician, consensus_panel())

    body = client.get(f"/api/deliberations/{d.pk}", headers=bearer(token)).json()

    assert (body["state"], body["outcome"], body["reason"]) == (
        "consensus",
        "consensus",
        "supermajority",
    )
    assert body["reason_text"] == "3 of 5 members voted for this diagnosis; 3 were needed."
    assert body["winner"] == {
        "class_key": "J18",
        "diagnosis": "Community-acquired pneumonia",
        "icd10": "J18.9",
        "icd10_description": "Pneumonia, unspecified organism",
        "votes": 3,
    }
    assert body["tally"] == {"J18": 3, "I26": 2}
    assert [p["member"] for p in body["proposals"]] == [0, 1, 2, 3, 4]
    assert body["proposals"][2]["diagnosis"] == "Asthma exacerbation"
    assert len(body["votes"]) == 5
    assert {v["for_member"] for v in body["votes"]} <= {0, 1, 3, 4}
    assert [e["seq"] for e in body["events"]] == list(range(1, d.last_seq + 1))
    assert body["last_seq"] == d.last_seq
    assert body["escalation_id"] is None


def test_deliberation_events_after_a_sequence_number(client, clinician, token):
    d = started_case(clinician, consensus_panel())

    body = client.get(f"/api/deliberations/{d.pk}?after=2", headers=bearer(token)).json()

    assert [e["seq"] for e in body["events"]] == [3]
    assert body["events"][0]["type"] == "member.delta"
    assert body["state"] == "deliberating" and body["winner"] is None


def test_no_consensus_record_names_its_escalation(client, clinician, token):
    d = run_case(clinician, split_panel())

    body = client.get(f"/api/deliberations/{d.pk}", headers=bearer(token)).json()

    assert body["state"] == "no_consensus" and body["reason"] == "tie"
    assert body["escalation_id"] == d.escalations.get().pk


def test_openapi_docs_are_served(client, clinician):
    client.force_login(clinician)

    schema = client.get("/api/openapi.json").json()

    assert {"/api/cases", "/api/cases/{case_id}", "/api/deliberations/{deliberation_id}"} <= set(
        schema["paths"]
    )
    assert client.get("/api/docs").status_code == 200
