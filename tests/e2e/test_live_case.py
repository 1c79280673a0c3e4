"""Browser tests: a clinician submits a case and watches the panel deliberate live.

Daphne serves the app in a child process (ChannelsLiveServerTestCase) against the file test
database; deliberations run there on the embedded runner with the offline panel, exactly as
`make run` serves them. Chromium is Debian's, driven by Playwright's sync API.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import WebSocket, expect

from cases.models import Case, Deliberation
from cases.wording import OFFLINE_LABEL
from panels.demo import DEMO_USERS, seed
from panels.models import Panel
from tests.e2e.base import DESKTOP, TABLET, BrowserTestCase, axe_violations
from tests.factories import make_panel

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
CASE_TEXT = (
    "I've had a chesty cough for nearly 2 weeks now, started with a sore throat and runny nose. "
    "Now I'm coughing up yellowish phlegm and my chest feels sore and a bit rattly, sometimes a "
    "slight wheeze. No fever anymore and I'm not short of breath really."
)
TERMINAL = re.compile(r"^(consensus|no_consensus|failed)$")
FINISH_TIMEOUT_MS = 60_000


class LiveCaseTestCase(BrowserTestCase):
    """One signed-out page per test, on a server with the demo users and panels."""

    def setUp(self) -> None:
        super().setUp()
        seed()
        for username, password, _role in DEMO_USERS:
            self.set_password(username, password)
        self.page = self.new_page()
        self.page.set_default_timeout(15_000)

    # --- helpers ---------------------------------------------------------------------------

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def log_in_clinician(self) -> None:
        self.page.goto("/")
        expect(self.page.get_by_role("heading", name="Log in")).to_be_visible()
        self.log_in(self.page, "clinician", "clinician-demo")
        expect(self.page.get_by_role("heading", name="My cases")).to_be_visible()

    def slow_panel(self, name: str = "slow") -> Panel:
        """Offline members that wait 150 ms between chunks, so a page sees them writing."""
        panel = make_panel(
            name,
            [
                {"provider": "builtin", "options": {"seed": i, "stream_delay_ms": 150}}
                for i in range(5)
            ],
            # The first case after a start may train a member's model: wait for every member.
            member_timeout_s=120.0,
            grace_period_s=120.0,
        )
        Panel.objects.filter(pk=panel.pk).update(offered_to_clinicians=True)
        return panel

    def submit_case(self, panel: str, text: str = CASE_TEXT) -> None:
        self.page.get_by_role("link", name="New case").first.click()
        self.page.get_by_label("Case", exact=True).fill(text)
        self.page.get_by_label("Age (years)").fill("58")
        self.page.get_by_label("Panel").select_option(panel)
        # The first case after a server start waits for the offline panel to load.
        self.page.get_by_role("button", name="Submit case to the panel").click(
            timeout=FINISH_TIMEOUT_MS
        )
        expect(self.page).to_have_url(re.compile(r"/cases/\d+/$"), timeout=FINISH_TIMEOUT_MS)

    def record_frames(self) -> list[dict[str, Any]]:
        """Every event the page's websocket receives from now on, in arrival order (the page
        asks for batched frames: each frame is a list of events)."""
        frames: list[dict[str, Any]] = []

        def on_frame(data: Any) -> None:
            received = json.loads(data)
            frames.extend(received if isinstance(received, list) else [received])

        def on_socket(ws: WebSocket) -> None:
            ws.on("framereceived", on_frame)

        self.page.on("websocket", on_socket)
        return frames

    def root(self) -> Any:
        return self.page.locator("#deliberation")

    def wait_until_finished(self) -> str:
        expect(self.root()).to_have_attribute("data-state", TERMINAL, timeout=FINISH_TIMEOUT_MS)
        return str(self.root().get_attribute("data-state"))


class TestLiveCase(LiveCaseTestCase):
    def test_clinician_submits_a_case_and_watches_the_offline_panel_decide(self) -> None:
        self.log_in_clinician()
        frames = self.record_frames()

        self.submit_case("offline")

        cards = self.page.locator(".member-card")
        expect(cards).to_have_count(5)
        expect(cards.filter(has_text=OFFLINE_LABEL)).to_have_count(5)
        state = self.wait_until_finished()
        self.screenshot("offline-finished")
        # The reasoning was streamed as prose: no JSON field names in any member's text.
        for text in cards.locator(".stream").all_inner_texts():
            assert '"diagnosis"' not in text and "{" not in text

        deltas = [f for f in frames if f["type"] == "member.delta"]
        assert deltas, "no token deltas reached the page live"
        # The offline members agree on this case (they are seeded, so this is deterministic).
        assert state == "consensus"
        outcome = self.page.locator("#outcome")
        expect(outcome.get_by_role("heading")).to_have_text("Panel outcome: Consensus")
        expect(outcome.locator('[data-field="winner-votes"]')).to_contain_text("quorum 3")
        expect(outcome.locator('[data-field="winner-confidence"]')).to_contain_text("%")
        expect(outcome.locator('[data-field="offline-warning"]')).to_contain_text(
            "not for clinical use"
        )
        expect(outcome.locator('[data-field="progress"]')).to_contain_text(
            "Round 1: 5 of 5 answered"
        )
        cards.first.get_by_text("Proposal", exact=False).first.click()
        expect(cards.first.locator('[data-field="proposal"]')).to_contain_text("ICD-10-CM")
        expect(self.page.locator(".quorum")).to_have_text("Quorum: 3 of 5 needed")
        assert axe_violations(self.page) == []
        # Printed: decision, the five proposals and the record on at most two pages.
        self.page.emulate_media(media="print")
        expect(self.page.locator(".site-header")).to_be_hidden()
        expect(cards.first.locator('[data-field="proposal"]')).to_be_visible()
        pdf = self.page.pdf(format="A4")
        (SCREENSHOTS / "case-print.pdf").write_bytes(pdf)  # for review, as the screenshots
        self.screenshot("case-print")
        assert 1 <= len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2

    def test_reloading_mid_deliberation_resumes_without_gaps(self) -> None:
        # Slow offline members (150 ms between chunks) so the reload lands mid-round.
        self.slow_panel()
        self.log_in_clinician()
        self.submit_case("slow")
        first_card_text = self.page.locator('#member-0 [data-stream="1"]')
        # The first words come once the server has loaded these members' models (seeds of
        # their own): on a busy 2-core machine that took longer than expect's 5 s default.
        expect(first_card_text).not_to_be_empty(timeout=FINISH_TIMEOUT_MS)

        frames = self.record_frames()
        response = self.page.reload()
        # The server's rendering, not the DOM: the script may already have moved on.
        assert response is not None
        html = response.text()
        rendered_seq = int(re.search(r'data-last-seq="(\d+)"', html).group(1))  # type: ignore[union-attr]
        assert 'data-state="deliberating"' in html
        assert rendered_seq > 3
        self.screenshot("slow-after-reload")
        self.wait_until_finished()

        seqs = [f["seq"] for f in frames]
        final_seq = Deliberation.objects.get(panel__name="slow").last_seq
        assert seqs == list(range(rendered_seq + 1, final_seq + 1))
        expect(self.root()).to_have_attribute("data-last-seq", str(final_seq))

        # What the script built live must equal what the server renders from the database.
        live_cards = self.page.locator(".member-card").all_inner_texts()
        live_tally = self.page.locator("#tally").inner_text()
        live_outcome = self.page.locator('[data-field="outcome"]').inner_text()
        self.page.reload()
        assert self.page.locator(".member-card").all_inner_texts() == live_cards
        assert self.page.locator("#tally").inner_text() == live_tally
        assert self.page.locator('[data-field="outcome"]').inner_text() == live_outcome

    def test_chaos_panel_shows_faulted_members_and_the_way_to_human_review(self) -> None:
        # An administrator offers the fault demonstration to clinicians.
        assert Panel.objects.filter(name="chaos").update(offered_to_clinicians=True) == 1
        self.log_in_clinician()

        self.submit_case("chaos")
        decision = self.page.locator("#current-decision")
        expect(decision).to_be_hidden()  # nothing to decide yet: the panel is deliberating
        expect(self.page.locator("#outcome").get_by_role("heading")).to_have_text(
            "Panel outcome: Deliberating"
        )
        state = self.wait_until_finished()
        self.screenshot("chaos-finished")

        garbage = self.page.locator(".member-card", has_text="Garbage")
        expect(garbage).to_have_attribute("data-status", "faulted")
        expect(garbage.locator('[data-field="status"]')).to_have_text("Faulted")
        # The garbage text is shown as text, markup characters and all.
        expect(garbage.locator('[data-stream="1"]')).to_contain_text("<<<diagnosis")
        expect(garbage.locator('[data-stream="1"]')).to_contain_text(
            "[Asked to correct the answer: The answer contains no JSON object."
        )
        # Two honest members against two colluders: a tie, so the case goes to human review.
        assert state == "no_consensus"
        expect(self.page.get_by_text("The case went to human review.")).to_be_visible()
        # The box at the top says where the review stands as soon as the panel has ended,
        # without a reload, and reads as the server renders it after one. The clinician sees
        # the state of the review, not a link they may not open.
        decision = self.page.locator("#current-decision")
        expect(decision.get_by_role("heading")).to_have_text("Human review")
        expect(decision.locator('[data-field="escalation-state"]')).to_contain_text(
            "no reviewer has claimed it yet"
        )
        live_decision = decision.inner_text()
        self.page.reload()
        assert self.page.locator("#current-decision").inner_text() == live_decision
        expect(self.page.get_by_role("link", name=re.compile("Open the escalation"))).to_have_count(
            0
        )
        colluders = self.page.locator(".member-card", has_text="Fault injection: collude")
        expect(colluders).to_have_count(2)


class TestDeliberationIsThePage(LiveCaseTestCase):
    def test_member_cards_are_on_the_first_screen_while_they_write(self) -> None:
        self.slow_panel()
        self.log_in_clinician()
        for name, viewport in (("desktop", DESKTOP), ("tablet", TABLET)):
            self.page.set_viewport_size(viewport)
            self.submit_case("slow")
            writing = self.page.locator('.member-card[data-status="writing"]')
            expect(writing.first).to_be_visible()
            expect(writing.first.locator('[data-field="status"]')).to_have_text("Writing")
            progress = self.page.locator('[data-field="progress"]')
            expect(progress).to_contain_text(re.compile(r"Round 1: \d of 5 answered"))
            self.screenshot(f"case-live-{name}")
            for card in self.page.locator(".member-card").all():
                box = card.bounding_box()
                assert box is not None
                assert box["y"] + 60 <= viewport["height"], (name, box)  # head and status seen
                assert box["x"] + box["width"] <= viewport["width"], (name, box)
            stream = self.page.locator('#member-0 [data-stream="1"]')
            expect(stream).not_to_be_empty()
            assert "{" not in stream.inner_text()
            assert axe_violations(self.page) == []
            self.wait_until_finished()

    def test_the_submit_button_says_the_panel_is_starting_and_cannot_be_pressed_twice(
        self,
    ) -> None:
        self.log_in_clinician()
        self.page.get_by_role("link", name="New case").first.click()
        self.page.get_by_label("Case", exact=True).fill(CASE_TEXT)

        # Keep the form from leaving the page (a listener added after the page's own), so
        # what the page shows before the server answers can be read.
        self.page.evaluate(
            "document.getElementById('case-form')"
            ".addEventListener('submit', (event) => event.preventDefault())"
        )
        self.page.get_by_role("button", name="Submit case to the panel").click()
        button = self.page.get_by_role("button", name="Starting the panel…")
        expect(button).to_be_disabled()
        expect(self.page.locator("#submit-status")).to_have_text("Starting the panel…")
        assert Case.objects.count() == 0

    def test_focus_moves_to_the_error_summary_after_a_failed_submit(self) -> None:
        self.log_in_clinician()
        self.page.goto("/cases/new/")
        self.page.get_by_label("Case", exact=True).fill("   ")
        self.page.get_by_role("button", name="Submit case to the panel").click()
        summary = self.page.locator("#form-errors")
        expect(summary).to_be_focused()
        self.expected_console_errors.append("422")
        self.screenshot("case-new-error")
        assert axe_violations(self.page) == []
