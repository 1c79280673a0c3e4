"""In the browser: a reviewer claims an escalated case from the chaos panel, signs it off
with their password, and the clinician's case page shows the signed, human-decided diagnosis."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cases import escalation
from panels import demo
from panels.models import Panel
from tests.cases.escalation_fixtures import make_escalated_case
from tests.e2e.base import BrowserTestCase


@pytest.mark.e2e
class EscalationFlowTests(BrowserTestCase):
    def test_reviewer_claims_and_signs_off_and_the_clinician_sees_the_signed_diagnosis(self):
        demo.seed()
        for username, password, _role in demo.DEMO_USERS:
            self.set_password(username, password)
        clinician = User.objects.get(username="clinician")
        item = make_escalated_case(clinician, panel_record=Panel.objects.get(name="chaos"))

        page = self.new_page()
        self.log_in(page, "reviewer", "reviewer-demo")
        page.goto("/escalations/")
        expect(page.locator("#escalation-queue")).to_have_attribute("data-state", "live")
        row = page.locator(f'tr[data-escalation-id="{item.pk}"]')
        expect(row).to_contain_text("No supermajority")
        expect(row).to_contain_text("Pulmonary embolism I26.99: 2 votes")
        row.get_by_role("link", name=f"Case {item.case_id}").click()

        expect(page.get_by_text("Panel chaos (n=5, q=3, f=2)")).to_be_visible()
        page.get_by_role("button", name="Claim").click()
        expect(page.locator("#claimed-by")).to_contain_text("reviewer (you)")

        code = page.get_by_label("ICD-10-CM code")
        code.fill("J18")
        expect(page.locator("#sign-icd10-result")).to_contain_text("is a category, not a billable")
        code.fill("i26.99")
        expect(page.locator("#sign-icd10-result")).to_have_text(
            "I26.99: Other pulmonary embolism without acute cor pulmonale"
        )
        code.fill("")

        page.get_by_label("Agent-3's proposal: Pulmonary embolism").check()
        page.get_by_label("Rationale (required)").fill("CT angiogram: segmental filling defect.")
        page.get_by_label("Your password (to sign)").fill("not-my-password")
        # A refused signature is answered 403, which the browser reports in its console.
        self.expected_console_errors.append("403 (Forbidden)")
        page.get_by_role("button", name="Sign off").click()
        expect(page.get_by_role("alert")).to_have_text(escalation.WRONG_PASSWORD)
        expect(page.get_by_label("Rationale (required)")).to_have_value(
            "CT angiogram: segmental filling defect."
        )

        page.get_by_label("Agent-3's proposal: Pulmonary embolism").check()
        page.get_by_label("Your password (to sign)").fill("reviewer-demo")
        page.get_by_role("button", name="Sign off").click()
        expect(page.get_by_role("status")).to_contain_text("Signed.")
        expect(page.locator("#escalation-status")).to_have_text("Resolved")

        mine = self.new_page()
        self.log_in(mine, "clinician", "clinician-demo")
        mine.goto(f"/cases/{item.case_id}/")
        final = mine.locator(".final-diagnosis")
        expect(final).to_contain_text("Final diagnosis, decided by a human reviewer")
        expect(final).to_contain_text("Pulmonary embolism")
        expect(final).to_contain_text("signed by reviewer")
        expect(mine.locator(".chain-steps")).to_contain_text("Claimed by reviewer")
