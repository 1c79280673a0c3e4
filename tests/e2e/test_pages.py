"""Browser tests of what a person reads first on every page: the signed decision leading the
case page and the list, styled error pages, the panels offered to clinicians, the live
queue row, the offline API docs, and 0 axe violations on every page at both widths (with
screenshots kept in artifacts/screenshots/)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, Request, expect

from cases import escalation
from cases.models import Case, Escalation
from panels.demo import DEMO_USERS, seed
from panels.models import Panel
from tests.cases.escalation_fixtures import make_consensus_case, make_escalated_case
from tests.e2e.base import WIDTHS, BrowserTestCase, axe_violations, screenshot
from tests.factories import make_panel

pytestmark = pytest.mark.e2e

# Two honest offline members name bronchitis; two colluders push pulmonary embolism: a tie.
CASE_TEXT = (
    "I've had a chesty cough for nearly 2 weeks now, started with a sore throat and runny nose. "
    "Now I'm coughing up yellowish phlegm and my chest feels sore and a bit rattly, sometimes a "
    "slight wheeze. No fever anymore and I'm not short of breath really."
)


# Swagger UI (django-ninja's vendored copy) titles the page with an h1 and its operation
# groups with h3s; its markup is not ours to change. Every other rule applies to it.
SWAGGER_UI_OWN = ("heading-order",)


class PagesTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        seed()
        self.users = {u.username: u for u in User.objects.all()}

    def serve_passwords(self) -> None:
        # After any in-process signing: the server checks passwords with its own hasher.
        for username, password, _role in DEMO_USERS:
            self.set_password(username, password)

    def page_as(self, username: str) -> Page:
        page = self.new_page()
        page.set_default_timeout(30_000)  # a shared, busy machine: landing pages can be slow
        self.log_in(page, username, f"{username}-demo")
        return page

    def overridden_case(self) -> Case:
        """A unanimous panel answer overridden by reviewer and co-signed by reviewer2."""
        case = make_consensus_case(self.users["clinician"])
        item = escalation.create(case.deliberations.get(), reason="disputed")
        escalation.claim(item.pk, user=self.users["reviewer"])
        escalation.sign_off(
            item.pk,
            user=self.users["reviewer"],
            password="reviewer-demo",
            rationale="Dysuria and nitrites.",
            icd10="N39.0",
            diagnosis="Urinary tract infection",
        )
        escalation.co_sign(item.pk, user=self.users["reviewer2"], password="reviewer2-demo")
        return case


class TestOneTruthFirst(PagesTestCase):
    def test_the_signed_decision_leads_the_case_page_and_the_list(self) -> None:
        case = self.overridden_case()
        self.serve_passwords()
        page = self.page_as("clinician")

        page.goto(f"/cases/{case.pk}/")
        first = page.locator("main section").first
        expect(first).to_contain_text("Signed human diagnosis")
        expect(first).to_contain_text(
            re.compile(
                r"Signed by reviewer, co-signed by reviewer2, .*: Urinary tract "
                r"infection N39.0; the panel's answer was overridden"
            )
        )
        box = first.bounding_box()
        assert box is not None and box["y"] < 250  # the first thing under the header
        # Printed: the decision, the proposals and the sign-off chain, without navigation.
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".chain")).to_be_visible()
        pdf = page.pdf(format="A4")
        assert 1 <= len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2
        page.emulate_media(media="screen")

        page.goto("/cases/")
        row = page.locator(f'tr[data-case-id="{case.pk}"]')
        expect(row).to_contain_text("Urinary tract infection N39.0")
        expect(row).to_contain_text("signed by reviewer, co-signed by reviewer2")
        expect(row).not_to_contain_text("pneumonia")


class TestErrorsAndPanels(PagesTestCase):
    def test_forbidden_and_missing_pages_are_styled_with_a_way_back(self) -> None:
        self.serve_passwords()
        page = self.page_as("reviewer")
        self.expected_console_errors += ["403 (Forbidden)", "404 (Not Found)"]

        page.goto("/cases/new/")
        expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        assert axe_violations(page) == []
        page.goto("/cases/424242/")
        expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
        assert axe_violations(page) == []
        page.get_by_role("link", name="Your start page").click()
        expect(page.get_by_role("heading", name="Human review queue")).to_be_visible()

    def test_a_test_panel_is_not_offered_to_clinicians(self) -> None:
        make_panel("admin-test", [{"provider": "builtin"}] * 5)
        self.serve_passwords()
        page = self.page_as("clinician")

        page.goto("/cases/new/")
        options = page.get_by_label("Panel").locator("option").all_inner_texts()

        assert any(o.startswith("offline") for o in options)
        assert not any(o.startswith(("chaos", "admin-test")) for o in options)


class TestLiveQueue(PagesTestCase):
    def test_a_live_queue_row_equals_the_server_rendered_row(self) -> None:
        self.serve_passwords()
        page = self.page_as("reviewer")
        page.goto("/escalations/")
        expect(page.locator("#escalation-queue")).to_have_attribute("data-state", "live")

        # The server announces escalations on its own channel layer: escalate through a page.
        Panel.objects.filter(name="chaos").update(offered_to_clinicians=True)
        clinician = self.page_as("clinician")
        clinician.goto("/cases/new/")
        clinician.get_by_label("Case", exact=True).fill(CASE_TEXT)
        clinician.get_by_label("Panel").select_option("chaos")
        clinician.get_by_role("button", name="Submit case to the panel").click(timeout=60_000)
        expect(clinician.locator("#deliberation")).to_have_attribute(
            "data-state", "no_consensus", timeout=60_000
        )
        item = Escalation.objects.get()
        live = page.locator(f'tr[data-escalation-id="{item.pk}"]')
        expect(live).to_be_visible()
        expect(live).to_have_class(re.compile("arrived"))
        live_html = live.evaluate("tr => tr.innerHTML")
        live_text = live.inner_text()

        page.reload()
        served = page.locator(f'tr[data-escalation-id="{item.pk}"]')
        assert served.evaluate("tr => tr.innerHTML") == live_html  # the same markup
        assert served.inner_text() == live_text
        expect(served).to_contain_text("(I26.99): 2 votes, 2 proposals")
        expect(served).not_to_contain_text("1 votes")


class TestApiDocs(PagesTestCase):
    def test_api_docs_render_offline_with_no_failed_request(self) -> None:
        self.serve_passwords()
        page = self.page_as("admin")
        failed: list[str] = []
        outside: list[str] = []

        def on_request(request: Request) -> None:
            if not request.url.startswith(self.live_server_url):
                outside.append(request.url)

        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("request", on_request)
        page.goto("/api/docs")

        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Consensus DX")
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        assert failed == [] and outside == []
        violations = axe_violations(page, disable=SWAGGER_UI_OWN)
        assert violations == [], "\n".join(violations)


class TestEveryPageIsAccessible(PagesTestCase):
    """axe-core on every page of the app, at desktop and tablet widths, with screenshots."""

    def visit_all(self, page: Page, urls: dict[str, str], width: str) -> list[str]:
        found = []
        for name, url in urls.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"{name}-{width}")
            disable = SWAGGER_UI_OWN if url.startswith("/api/docs") else ()
            found += [f"{url}: {v}" for v in axe_violations(page, disable=disable)]
        return found

    def test_axe_finds_no_violation_on_any_page(self) -> None:
        case = self.overridden_case()
        queued = make_escalated_case(self.users["clinician"], panel="offline")
        self.serve_passwords()
        self.expected_console_errors += ["403 (Forbidden)", "404 (Not Found)", "422"]
        pages = {
            "clinician": {
                "case-list": "/cases/",
                "case-new": "/cases/new/",
                "case-signed": f"/cases/{case.pk}/",
                "case-queued": f"/cases/{queued.case_id}/",
                "error-403": f"/escalations/{queued.pk}/",
                "error-404": "/cases/999999/",
            },
            "reviewer": {
                "queue": "/escalations/",
                "escalation": f"/escalations/{queued.pk}/",
                "case-reviewer": f"/cases/{queued.case_id}/",
            },
            "admin": {"analytics": "/analytics/", "audit": "/audit/", "api-docs": "/api/docs"},
        }
        violations = []
        for username, urls in pages.items():
            page = self.page_as(username)
            for width, viewport in WIDTHS.items():
                page.set_viewport_size(viewport)
                violations += self.visit_all(page, urls, width)
        # Every row, written by this process or by the server, verifies on the audit page.
        audit = self.page_as("admin")
        audit.goto("/audit/")
        expect(audit.locator("#chain-status")).to_have_attribute("data-intact", "true")
        login = self.new_page()
        login.goto("/accounts/login/")
        screenshot(login, "login-desktop")
        violations += [f"login: {v}" for v in axe_violations(login)]
        assert violations == [], "\n".join(violations)
