"""The current decision: a signed (and co-signed) human diagnosis leads the case page, the
case list, the API and ``deliberate --json``; otherwise the panel's outcome does."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from cases import decision_record, escalation
from tests.cases.escalation_fixtures import make_consensus_case

pytestmark = pytest.mark.django_db


def overridden_and_cosigned(clinician, reviewer, reviewer2):
    """A unanimous panel answer that a reviewer overrode and a second reviewer co-signed."""
    case = make_consensus_case(clinician)
    item = escalation.create(case.deliberations.get(), reason="disputed")
    escalation.claim(item.pk, user=reviewer)
    escalation.sign_off(
        item.pk,
        user=reviewer,
        password="pw-rev",
        rationale="Dysuria, nitrites.",
        icd10="N39.0",
        diagnosis="Urinary tract infection",
    )
    escalation.co_sign(item.pk, user=reviewer2, password="pw-rev2", note="Agree.")
    return case


def test_a_cosigned_override_is_the_current_decision(clinician, reviewer, reviewer2):
    case = overridden_and_cosigned(clinician, reviewer, reviewer2)

    decision = decision_record.current_decision(case)

    assert decision.source == "human" and decision.overridden
    assert decision.icd10 == "N39.0"
    assert decision.summary.startswith(
        f"Signed by {reviewer.username}, co-signed by {reviewer2.username}, "
    )
    assert decision.summary.endswith(
        ": Urinary tract infection N39.0; the panel's answer was overridden."
    )


def test_an_override_without_cosignature_is_not_yet_in_force(clinician, reviewer):
    case = make_consensus_case(clinician)
    item = escalation.create(case.deliberations.get(), reason="disputed")
    escalation.claim(item.pk, user=reviewer)
    escalation.sign_off(
        item.pk,
        user=reviewer,
        password="pw-rev",
        rationale="UTI.",
        icd10="N39.0",
        diagnosis="Urinary tract infection",
    )

    decision = decision_record.current_decision(case)

    assert decision.source == "awaiting_cosign"
    assert "needs a second reviewer's co-signature" in decision.summary


def test_without_a_signoff_the_panel_consensus_is_the_decision(clinician):
    case = make_consensus_case(clinician)

    decision = decision_record.current_decision(case)

    assert decision.source == "panel"
    assert decision.summary == "Consensus: Community-acquired pneumonia (J18.9)."


def test_case_page_leads_with_the_signed_decision(clinician, reviewer, reviewer2):
    case = overridden_and_cosigned(clinician, reviewer, reviewer2)
    client = Client()
    client.force_login(clinician)

    html = client.get(f"/cases/{case.pk}/").content.decode()

    assert html.index("Signed human diagnosis") < html.index("Panel outcome")
    assert "the panel&#x27;s answer was overridden" in html


def test_case_list_and_api_report_the_same_current_decision(clinician, reviewer, reviewer2):
    case = overridden_and_cosigned(clinician, reviewer, reviewer2)
    client = Client()
    client.force_login(clinician)

    listing = client.get("/cases/").content.decode()
    row = listing.split(f'data-case-id="{case.pk}"')[1].split("</tr>")[0]
    api = client.get(f"/api/cases/{case.pk}").json()

    assert 'data-decision-source="human"' in row
    assert "Urinary tract infection <code>N39.0</code>" in row
    assert f"co-signed by {reviewer2.username}" in row
    assert "Community-acquired pneumonia" not in row
    expected = decision_record.current_decision(case).as_dict()
    assert api["decision"] == json.loads(json.dumps(expected))
    assert api["decision"]["source"] == "human" and api["decision"]["icd10"] == "N39.0"


def test_deliberate_json_reports_the_current_decision(db):
    from tests.factories import make_panel
    from tests.fakes import scripted  # noqa: F401  (registers the scripted provider)
    from tests.fakes.scripted import answer

    good = answer("Community-acquired pneumonia", "J18.9")
    make_panel("cli-decision", [{"provider": "scripted", "options": {"propose": good}}] * 5)
    out = StringIO()

    call_command(
        "deliberate", "--panel", "cli-decision", "--text", "Fever, cough.", "--json", stdout=out
    )

    record = json.loads(out.getvalue())
    assert record["decision"]["source"] == "panel"
    assert record["decision"]["icd10"] == "J18.9"
