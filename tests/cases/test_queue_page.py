"""The review queue page: one rendering of a row (server and live), wording from one place,
search by text and reason."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cases.models import Deliberation
from tests.cases.escalation_fixtures import make_escalated_case

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr data-escalation-id="(\d+)"', html)}


def test_a_live_row_is_the_server_rendered_row(clinician, reviewer):
    item = make_escalated_case(clinician)
    client = login(reviewer)

    page = client.get("/escalations/").content.decode()
    row = client.get(f"/escalations/?row={item.pk}").content.decode().strip()

    assert row.startswith(f'<tr data-escalation-id="{item.pk}">')
    assert row in page
    assert client.get("/escalations/?row=999999").status_code == 404


def test_a_skipped_round_two_shows_round_one_support_not_zero_votes(clinician, reviewer):
    item = make_escalated_case(
        clinician,
        proposals=[("Ebola virus disease", "A98.4")] * 5,
        votes=[],
        reason="disputed",
    )
    Deliberation.objects.filter(escalations=item).update(round2_skipped="unanimous")

    html = login(reviewer).get("/escalations/").content.decode()

    assert "Ebola virus disease (A98.4): 5 of 5 proposed it; no vote was needed" in html
    assert "0 votes" not in html
    assert "Disputed by the clinician" in html and ">disputed<" not in html


def test_reviewers_search_the_queue_by_text_and_reason(clinician, reviewer):
    cough = make_escalated_case(clinician, text="Fever and productive cough.")
    rash = make_escalated_case(clinician, text="Itchy rash.", reason="tie")
    client = login(reviewer)

    assert row_ids(client.get("/escalations/?q=cough").content.decode()) == {cough.pk}
    assert row_ids(client.get("/escalations/?reason=tie").content.decode()) == {rash.pk}
    none = client.get("/escalations/?q=rash&reason=no_supermajority").content.decode()
    assert row_ids(none) == set()


def test_the_pages_name_the_panel_and_its_rules_from_the_snapshot(clinician, reviewer):
    item = make_escalated_case(clinician, panel="chaos")
    assert item.deliberation is not None
    client = login(reviewer)

    detail = client.get(f"/escalations/{item.pk}/").content.decode()
    case_page = client.get(f"/cases/{item.deliberation.case_id}/").content.decode()

    assert "Panel chaos (n=5, q=3, f=2)" in detail
    assert "Panel chaos: No consensus" in detail  # the case's chain of decisions
    assert "· panel chaos: 5 members" in case_page
