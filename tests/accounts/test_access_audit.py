"""Refused requests (403) and reads of a case by someone other than its author are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from cases.models import AuditEvent
from tests.cases.escalation_fixtures import make_escalated_case


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_403_page_is_audited_with_who_and_where(clinician):
    response = signed_in(clinician).get("/audit/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor == clinician and event.payload["path"] == "/audit/"


@pytest.mark.django_db
def test_a_403_api_answer_is_audited(reviewer):
    client = signed_in(reviewer)
    body = '{"text": "Fever and cough."}'
    response = client.post("/api/cases", body, content_type="application/json")
    assert response.status_code == 403  # reviewers do not submit cases
    assert AuditEvent.objects.filter(action="access.denied", actor=reviewer).exists()


@pytest.mark.django_db
def test_a_reviewer_reading_a_clinicians_case_is_audited_but_the_author_is_not(clinician, reviewer):
    item = make_escalated_case(clinician)
    assert signed_in(clinician).get(f"/cases/{item.case_id}/").status_code == 200
    assert not AuditEvent.objects.filter(action="case.read").exists()
    assert signed_in(reviewer).get(f"/cases/{item.case_id}/").status_code == 200
    assert signed_in(reviewer).get(f"/api/cases/{item.case_id}").status_code == 200
    reads = AuditEvent.objects.filter(action="case.read")
    assert [(e.actor, e.object_id) for e in reads] == [(reviewer, str(item.case_id))] * 2
