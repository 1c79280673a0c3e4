"""Submitting through the API survives retries, a broker outage and a database outage: JSON
answers only (202 or 503 with Retry-After), an Idempotency-Key returns the first case, and a
refused task leaves the case queued in the outbox instead of lost."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError

from cases import runners, tasks, tokens
from cases.models import Case, Deliberation, DeliberationRun
from tests.cases.scenarios import CASE_TEXT, consensus_panel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def auth(clinician) -> dict[str, str]:
    consensus_panel("main", is_default=True)
    return {"Authorization": f"Bearer {tokens.create(clinician, name='tests')[1]}"}


def post(client, body, **headers):
    return client.post(
        "/api/cases", json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.fixture
def started(monkeypatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(runners, "start", ids.append)
    return ids


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_case(client, auth, started):
    first = post(client, {"text": CASE_TEXT}, **auth, **{"Idempotency-Key": "k-1"})
    again = post(client, {"text": CASE_TEXT}, **auth, **{"Idempotency-Key": "k-1"})
    other = post(client, {"text": CASE_TEXT}, **auth, **{"Idempotency-Key": "k-2"})

    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 202)
    assert again.json()["id"] == first.json()["id"] != other.json()["id"]
    assert Case.objects.count() == 2
    assert len(started) == 2


def test_an_idempotency_key_reused_for_another_request_is_refused(client, auth, started):
    post(client, {"text": CASE_TEXT}, **auth, **{"Idempotency-Key": "k-1"})

    response = post(
        client, {"text": CASE_TEXT + " Also wheeze."}, **auth, **{"Idempotency-Key": "k-1"}
    )

    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Case.objects.count() == 1


def test_a_database_failure_answers_503_json_with_retry_after_and_stores_nothing(
    client, auth, monkeypatch
):
    def start(deliberation_id: int) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(runners, "start", start)

    response = post(client, {"text": CASE_TEXT}, **auth, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "5"
    assert "nothing was kept" in response.json()["detail"]
    assert not Case.objects.exists() and not Deliberation.objects.exists()


def test_with_the_broker_down_the_case_is_accepted_and_kept_in_the_outbox(
    client, auth, monkeypatch, settings
):
    settings.DELIBERATION_RUNNER = "celery"

    def apply_async(args, **kw):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6391. Connection refused.")

    monkeypatch.setattr(tasks.run_deliberation, "apply_async", apply_async)

    response = post(client, {"text": CASE_TEXT}, **auth)

    assert response.status_code == 202
    d = Deliberation.objects.get(pk=response.json()["deliberation_id"])
    assert d.status == "queued"
    assert DeliberationRun.objects.get(deliberation=d).dispatched_at is None  # due for the relay


def test_a_panel_not_offered_to_clinicians_is_refused_with_403_and_nothing_stored(
    client, auth, started, administrator
):
    consensus_panel("chaos")  # not offered until an administrator turns it on

    refused = post(client, {"text": CASE_TEXT, "panel": "chaos"}, **auth)
    admin_auth = {"Authorization": f"Bearer {tokens.create(administrator, name='t')[1]}"}
    by_admin = post(client, {"text": CASE_TEXT, "panel": "chaos"}, **admin_auth)

    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/json")
    assert refused.json()["detail"] == (
        "The panel 'chaos' is not offered for new cases; choose another panel."
    )
    assert by_admin.status_code == 202
    assert Case.objects.count() == 1 and len(started) == 1


def test_a_panel_offered_to_clinicians_is_accepted(client, auth, started):
    offered = consensus_panel("chaos")
    offered.offered_to_clinicians = True
    offered.save()

    response = post(client, {"text": CASE_TEXT, "panel": "chaos"}, **auth)

    assert response.status_code == 202
    assert Case.objects.get().deliberations.get().panel_id == offered.pk
