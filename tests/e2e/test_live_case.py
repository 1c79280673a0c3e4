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

from cases.live import OFFLINE_LABEL
from cases.models import Deliberation
from panels.demo import DEMO_USERS, seed
from panels.models import Panel
from tests.e2e.base import BrowserTestCase
from tests.factories import make_panel

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
CASE_TEXT = (
    "58-year-old with three days of fever, productive cough with green sputum, shortness of "
    "breath and sharp chest pain on breathing in. Crackles at the right lung base."
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

    def submit_case(self, panel: str, text: str = CASE_TEXT) -> None:
        self.page.get_by_role("link", name="New case").first.click()
        self.page.get_by_label("Case", exact=True).fill(text)
        self.page.get_by_label("Age (years)").fill("58")
        self.page.get_by_label("Panel").select_option(panel)
        self.page.get_by_role("button", name="Submit case to the panel").click()
        expect(self.page).to_have_url(re.compile(r"/cases/\d+/$"))

    def record_frames(self) -> list[dict[str, Any]]:
        """Every event the page's websocket receives from now on, in arrival order."""
        frames: list[dict[str, Any]] = []

        def on_socket(ws: WebSocket) -> None:
            ws.on("framereceived", lambda data: frames.append(json.loads(data)))

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
        # Text arrives over the socket while members are still writing.
        expect(cards.locator('.round[data-round="1"] pre').first).not_to_be_empty()
        state = self.wait_until_finished()
        self.screenshot("offline-finished")

        deltas = [f for f in frames if f["type"] == "member.delta"]
        assert deltas, "no token deltas reached the page live"
        # The offline members agree on this case (they are seeded, so this is deterministic).
        assert state == "consensus"
        expect(self.page.get_by_role("heading", name="Consensus", exact=True)).to_be_visible()
        proposals = cards.locator('[data-field="proposal"]:visible')
        expect(proposals).to_have_count(5)
        expect(proposals.first).to_contain_text("ICD-10-CM")
        expect(self.page.locator(".quorum")).to_have_text("Quorum: 3 of 5 needed")
        expect(self.page.locator('[data-field="winner"]')).to_be_visible()
        expect(self.page.locator('[data-field="outcome-reason"]')).to_contain_text("needed")

    def test_reloading_mid_deliberation_resumes_without_gaps(self) -> None:
        # Slow offline members (150 ms between chunks) so the reload lands mid-round.
        make_panel(
            "slow",
            [
                {"provider": "builtin", "options": {"seed": i, "stream_delay_ms": 150}}
                for i in range(5)
            ],
            member_timeout_s=60.0,
            grace_period_s=5.0,
        )
        self.log_in_clinician()
        self.submit_case("slow")
        first_card_text = self.page.locator(
            '.member-card[data-member="0"] .round[data-round="1"] pre'
        )
        expect(first_card_text).not_to_be_empty()

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
        live_tally = self.page.locator('[data-field="tally-rows"]').inner_text()
        live_outcome = self.page.locator('[data-field="outcome"]').inner_text()
        self.page.reload()
        assert self.page.locator(".member-card").all_inner_texts() == live_cards
        assert self.page.locator('[data-field="tally-rows"]').inner_text() == live_tally
        assert self.page.locator('[data-field="outcome"]').inner_text() == live_outcome

    def test_chaos_panel_shows_faulted_members_and_the_way_to_human_review(self) -> None:
        assert Panel.objects.filter(name="chaos").exists()
        self.log_in_clinician()

        self.submit_case("chaos")
        state = self.wait_until_finished()
        self.screenshot("chaos-finished")

        garbage = self.page.locator(".member-card", has_text="Garbage")
        expect(garbage).to_have_attribute("data-status", "faulted")
        expect(garbage.locator('[data-field="status"]')).to_have_text("Faulted")
        expect(garbage.locator('[data-field="detail"]')).to_be_visible()
        # The garbage text is shown as text, markup characters and all.
        expect(garbage.locator('.round[data-round="1"] pre')).to_contain_text("<<<diagnosis")
        expect(garbage.locator('.round[data-round="1"] pre')).to_contain_text(
            "[Asked to correct the answer: The answer contains no JSON object."
        )
        # Two honest members against two colluders: a tie, so the case goes to human review.
        assert state == "no_consensus"
        link = self.page.get_by_role("link", name=re.compile(r"Open the escalation #\d+"))
        expect(link).to_have_attribute("href", re.compile(r"^/escalations/\d+/$"))
        expect(self.page.get_by_text("The case went to human review.")).to_be_visible()
        colluders = self.page.locator(".member-card", has_text="Fault injection: collude")
        expect(colluders).to_have_count(2)
