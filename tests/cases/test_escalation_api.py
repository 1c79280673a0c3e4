"""The escalation API on its mounted URL: same rules and messages as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cases import escalation, tokens
from cases.models import CaseStatus, CoSignature, Escalation, EscalationStatus, SignOff
from tests.cases.escalation_fixtures import make_escalated_case


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any] | None = None, **extra: Any):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


def first_proposal(item: Escalation) -> int:
    assert item.deliberation is not None
    return item.deliberation.proposals.order_by("member_index").first().pk  # type: ignore[union-attr]


@pytest.mark.django_db
def test_queue_lists_open_escalations_with_candidates_and_priority(clinician, reviewer):
    item = make_escalated_case(clinician)
    response = login(reviewer).get("/api/escalations/")
    assert response.status_code == 200
    (row,) = response.json()["items"]
    assert (row["id"], row["reason"], row["status"], row["claimed_by"]) == (
        item.pk,
        "no_supermajority",
        "open",
        None,
    )
    assert row["priority"] == escalation.HEAD_START_HOURS[2]
    votes = {c["icd10"]: c["votes"] for c in row["candidates"]}
    assert votes == {"J18.1": 2, "I26.99": 2, "J20.9": 1}


@pytest.mark.django_db
def test_queue_filters_and_refuses_clinicians(clinician, reviewer):
    item = make_escalated_case(clinician)
    client = login(reviewer)
    post(client, f"/api/escalations/{item.pk}/claim/")
    assert client.get("/api/escalations/?show=unclaimed").json()["items"] == []
    assert [r["id"] for r in client.get("/api/escalations/?show=mine").json()["items"]] == [item.pk]
    response = login(clinician).get("/api/escalations/")
    assert response.status_code == 403
    assert response.json()["detail"] == escalation.NOT_A_REVIEWER


@pytest.mark.django_db
def test_anonymous_requests_are_refused(clinician):
    item = make_escalated_case(clinician)
    assert Client().get("/api/escalations/").status_code == 401
    assert post(Client(), f"/api/escalations/{item.pk}/claim/").status_code == 401


@pytest.mark.django_db
def test_claim_conflict_is_409_naming_the_holder(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    response = post(login(reviewer), f"/api/escalations/{item.pk}/claim/")
    assert response.status_code == 200 and response.json()["claimed_by"] == "rev"
    response = post(login(reviewer2), f"/api/escalations/{item.pk}/claim/")
    assert response.status_code == 409
    assert response.json()["detail"] == escalation.ALREADY_CLAIMED.format(name="rev")


@pytest.mark.django_db
def test_release_and_reassign_follow_the_same_rules(clinician, reviewer, reviewer2, administrator):
    item = make_escalated_case(clinician)
    post(login(reviewer), f"/api/escalations/{item.pk}/claim/")
    response = post(login(reviewer2), f"/api/escalations/{item.pk}/release/")
    assert (response.status_code, response.json()["detail"]) == (409, escalation.NOT_YOUR_CLAIM)
    response = post(login(reviewer2), f"/api/escalations/{item.pk}/reassign/", {"to": "rev2"})
    assert response.status_code == 403
    response = post(login(administrator), f"/api/escalations/{item.pk}/reassign/", {"to": "rev2"})
    assert response.status_code == 200 and response.json()["claimed_by"] == "rev2"


@pytest.mark.django_db
def test_sign_off_needs_the_password_and_a_valid_code_and_changes_nothing_otherwise(
    clinician, reviewer
):
    item = make_escalated_case(clinician)
    client = login(reviewer)
    post(client, f"/api/escalations/{item.pk}/claim/")
    url = f"/api/escalations/{item.pk}/signoff/"
    cases = [
        ({"password": "nope", "rationale": "R.", "icd10": "J18.9"}, 403, escalation.WRONG_PASSWORD),
        (
            {"password": "pw-rev", "rationale": "", "icd10": "J18.9"},
            400,
            escalation.EMPTY_RATIONALE,
        ),
        (
            {"password": "pw-rev", "rationale": "R.", "icd10": "ABC"},
            400,
            escalation.INVALID_ICD10.format(code="ABC"),
        ),
    ]
    for body, status, message in cases:
        response = post(client, url, body)
        assert (response.status_code, response.json()["detail"]) == (status, message)
    assert SignOff.objects.count() == 0
    response = post(
        client,
        url,
        {"password": "pw-rev", "rationale": "Consolidation.", "proposal_id": first_proposal(item)},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["icd10"], body["signer"], body["escalation_status"]) == (
        "J18.9",
        "rev",
        EscalationStatus.RESOLVED,
    )
    item.refresh_from_db()
    assert item.case.status == CaseStatus.RESOLVED


@pytest.mark.django_db
def test_sign_off_on_someone_elses_claim_is_409(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    post(login(reviewer), f"/api/escalations/{item.pk}/claim/")
    response = post(
        login(reviewer2),
        f"/api/escalations/{item.pk}/signoff/",
        {"password": "pw-rev2", "rationale": "Mine.", "icd10": "J18.9"},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == escalation.CLAIMED_BY_OTHER.format(name="rev")


@pytest.mark.django_db
def test_override_needs_a_co_signature_by_someone_else(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    first = login(reviewer)
    post(first, f"/api/escalations/{item.pk}/claim/")
    response = post(
        first,
        f"/api/escalations/{item.pk}/signoff/",
        {"password": "pw-rev", "rationale": "Appendicitis.", "icd10": "K35.80"},
    )
    assert response.json()["escalation_status"] == EscalationStatus.AWAITING_COSIGN
    response = post(first, f"/api/escalations/{item.pk}/cosign/", {"password": "pw-rev"})
    assert (response.status_code, response.json()["detail"]) == (403, escalation.COSIGN_BY_SIGNER)
    response = post(
        login(reviewer2), f"/api/escalations/{item.pk}/cosign/", {"password": "pw-rev2"}
    )
    assert response.status_code == 201 and response.json()["signer"] == "rev2"
    item.refresh_from_db()
    assert item.status == EscalationStatus.RESOLVED
    assert CoSignature.objects.count() == 1


@pytest.mark.django_db
def test_a_correction_is_a_new_sign_off_and_there_is_no_way_to_edit_or_delete(clinician, reviewer):
    item = make_escalated_case(clinician)
    client = login(reviewer)
    post(client, f"/api/escalations/{item.pk}/claim/")
    first = post(
        client,
        f"/api/escalations/{item.pk}/signoff/",
        {"password": "pw-rev", "rationale": "First.", "proposal_id": first_proposal(item)},
    ).json()
    second = post(
        client,
        f"/api/escalations/{item.pk}/correction/",
        {"password": "pw-rev", "rationale": "CT shows PE.", "icd10": "I26.99"},
    ).json()
    assert second["supersedes_id"] == first["id"]
    signoff_url = f"/api/escalations/{item.pk}/signoff/"
    assert client.put(signoff_url, "{}", content_type="application/json").status_code == 405
    assert client.delete(signoff_url).status_code == 405
    assert SignOff.objects.count() == 2


@pytest.mark.django_db
def test_scripts_use_a_bearer_token(clinician, reviewer):
    item = make_escalated_case(clinician)
    _, token = tokens.create(reviewer, name="script")
    response = post(
        Client(enforce_csrf_checks=True),
        f"/api/escalations/{item.pk}/claim/",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200 and response.json()["claimed_by"] == "rev"


@pytest.mark.django_db
def test_a_forged_browser_post_without_csrf_token_is_refused(clinician, reviewer):
    item = make_escalated_case(clinician)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = post(client, f"/api/escalations/{item.pk}/claim/")
    assert response.status_code in {401, 403}
    item.refresh_from_db()
    assert item.claimed_by is None
