"""In the browser: a clinician's case on the chaos panel ends without consensus; a reviewer
claims the escalation, signs it off with their password, and the clinician's case page shows
the signed, human-decided diagnosis."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cases import escalation
from cases.models import Escalation
from panels import demo
from panels.models import Panel
from tests.e2e.base import BrowserTestCase

# Two honest offline members name bronchitis; two colluders push pulmonary embolism: a tie.
CASE_TEXT = (
    "I've had a chesty cough for nearly 2 weeks now, started with a sore throat and runny nose. "
    "Now I'm coughing up yellowish phlegm and my chest feels sore and a bit rattly, sometimes a "
    "slight wheeze. No fever anymore and I'm not short of breath really."
)
RATIONALE = "Chest X-ray clear, CT angiogram negative; clinical bronchitis."


@pytest.mark.e2e
class EscalationFlowTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        demo.seed()
        # An administrator offers the fault demonstration panel to clinicians.
        Panel.objects.filter(name="chaos").update(offered_to_clinicians=True)
        for username, password, _role in demo.DEMO_USERS:
            self.set_password(username, password)

    def test_reviewer_claims_and_signs_off_and_the_clinician_sees_the_signed_diagnosis(self):
        clinician = self.new_page()
        self.log_in(clinician, "clinician", "clinician-demo")
        clinician.goto("/cases/new/")
        clinician.get_by_label("Case", exact=True).fill(CASE_TEXT)
        clinician.get_by_label("Panel").select_option("chaos")
        clinician.get_by_role("button", name="Submit case to the panel").click()
        expect(clinician.locator("#deliberation")).to_have_attribute(
            "data-state", "no_consensus", timeout=60_000
        )
        case_url = clinician.url
        item = Escalation.objects.get()

        page = self.new_page()
        self.log_in(page, "reviewer", "reviewer-demo")
        page.goto("/escalations/")
        expect(page.locator("#escalation-queue")).to_have_attribute("data-state", "live")
        row = page.locator(f'tr[data-escalation-id="{item.pk}"]')
        expect(row).to_contain_text("Tie between diagnoses")
        expect(row).to_contain_text("Pulmonary embolism (I26.99): 2 votes, 2 proposals")
        expect(row).to_contain_text("Bronchitis (J40): 2 votes, 2 proposals")
        row.get_by_role("link", name=f"Case {item.case_id}").click()

        expect(page.get_by_text(re.compile(r"Panel chaos \(n=5, q=3, f=2\)"))).to_be_visible()
        page.get_by_role("button", name="Claim").click()
        expect(page.locator("#claimed-by")).to_contain_text("reviewer (you)")

        code = page.get_by_label("ICD-10-CM code")
        code.fill("J18")
        expect(page.locator("#sign-icd10-result")).to_contain_text("is a category, not a billable")
        code.fill("j40")
        expect(page.locator("#sign-icd10-result")).to_contain_text("J40")
        code.fill("")

        page.get_by_label("Honest-1's proposal: Bronchitis").check()
        page.get_by_label("Rationale (required)").fill(RATIONALE)
        page.get_by_label("Your password (to sign)").fill("not-my-password")
        # A refused signature is answered 403, which the browser reports in its console.
        self.expected_console_errors.append("403 (Forbidden)")
        page.get_by_role("button", name="Sign off").click()
        expect(page.get_by_role("alert")).to_have_text(escalation.WRONG_PASSWORD)
        expect(page.get_by_label("Rationale (required)")).to_have_value(RATIONALE)

        page.get_by_label("Honest-1's proposal: Bronchitis").check()
        page.get_by_label("Your password (to sign)").fill("reviewer-demo")
        page.get_by_role("button", name="Sign off").click()
        expect(page.get_by_role("status")).to_contain_text("Signed.")
        expect(page.locator("#escalation-status")).to_have_text("Resolved")

        clinician.goto(case_url)
        decision = clinician.locator("#current-decision")
        expect(decision).to_contain_text("Signed human diagnosis")
        expect(decision).to_contain_text("Signed by reviewer")
        final = clinician.locator(".final-diagnosis")
        expect(final).to_contain_text("Final diagnosis, decided by a human reviewer")
        expect(final).to_contain_text("Bronchitis")
        expect(final).to_contain_text("signed by reviewer")
        expect(clinician.locator(".chain-steps")).to_contain_text("Claimed by reviewer")
