"""The API's one exception handler: each refusal a service raises becomes its HTTP status with
a JSON body, whichever endpoint it comes from, with no mapping in the endpoints."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from cases import intake, limits
from cases.escalation import errors
from cases.escalation.errors import ErrorKind, EscalationError
from cases.offering import PanelNotOffered
from consensus_site import api as site_api
from tests.cases.escalation_fixtures import make_escalated_case

REFUSALS = [
    (EscalationError("taken", kind=ErrorKind.CONFLICT), 409, {"detail": "taken"}),
    (EscalationError("no", kind=ErrorKind.FORBIDDEN), 403, {"detail": "no"}),
    (EscalationError("gone", kind=ErrorKind.NOT_FOUND), 404, {"detail": "gone"}),
    (EscalationError("bad", kind=ErrorKind.INVALID), 400, {"detail": "bad"}),
    (intake.CannotSubmit("role"), 403, {"detail": "role"}),
    (PanelNotOffered("not yours"), 403, {"detail": "not yours"}),
    (intake.IdempotencyRefused("reused"), 422, {"detail": "reused"}),
    (limits.SubmissionLimited("slow down", retry_after=60), 429, {"detail": "slow down"}),
    (
        intake.InvalidInput({"text": "empty", "panel": "unknown"}),
        422,
        {
            "detail": "text: empty; panel: unknown",
            "errors": [
                {"field": "text", "message": "empty"},
                {"field": "panel", "message": "unknown"},
            ],
        },
    ),
]


@pytest.mark.parametrize(("refusal", "status", "body"), REFUSALS, ids=lambda v: repr(v)[:40])
def test_a_refusal_becomes_its_status_and_a_json_body(refusal, status, body):
    # on_exception is what ninja calls for an exception an operation raised; it re-raises
    # an exception no handler is registered for.
    response = site_api.api.on_exception(RequestFactory().post("/api/cases"), refusal)

    assert (response.status_code, json.loads(response.content)) == (status, body)
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_a_limit_says_when_to_try_again():
    response = site_api.refused(
        RequestFactory().post("/api/cases"), limits.SubmissionLimited("wait", retry_after=90)
    )

    assert response["Retry-After"] == "90"


@pytest.mark.django_db
def test_an_endpoint_s_refusal_reaches_the_client_through_the_handler(
    clinician, reviewer, reviewer2
):
    item = make_escalated_case(clinician)
    first, second = Client(), Client()
    first.force_login(reviewer)
    second.force_login(reviewer2)
    assert first.post(f"/api/escalations/{item.pk}/claim/").status_code == 200

    taken = second.post(f"/api/escalations/{item.pk}/claim/")
    missing = second.post("/api/escalations/999999/claim/")

    assert (taken.status_code, taken.json()) == (
        409,
        {"detail": errors.ALREADY_CLAIMED.format(name=reviewer.get_username())},
    )
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": errors.NOT_FOUND.format(id=999999)},
    )
