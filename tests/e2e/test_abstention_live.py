"""Browser test: abstentions arrive live and the page's script words them as the server does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from panels import demo
from tests.e2e.test_live_case import LiveCaseTestCase
from tests.factories import make_panel

pytestmark = pytest.mark.e2e

SENTENCE = re.compile(r"^[3-5] of 5 members abstained: not enough information to decide\.$")


class TestAbstentionLive(LiveCaseTestCase):
    def test_a_panel_too_unsure_to_decide_says_so_live(self) -> None:
        # No offline member is ever 100 % sure of this text, so every proposal is below the
        # threshold and the panel cannot decide. The default panel's members (warmed at start),
        # slowed so the page sees them live.
        make_panel(
            "unsure",
            [
                {"provider": "builtin", "options": {**m["options"], "stream_delay_ms": 20}}
                for m in demo.OFFLINE_MEMBERS
            ],
            # The first case after a start may still wait for the members' training.
            member_timeout_s=120.0,
            grace_period_s=120.0,
            min_confidence=100,
            offered_to_clinicians=True,
        )
        self.page.set_default_timeout(60_000)  # the first case loads the code set: slow here
        self.log_in_clinician()
        self.submit_case("unsure")

        assert self.wait_until_finished() == "no_consensus"

        expect(self.page.locator('[data-field="outcome-reason"]')).to_have_text(SENTENCE)
        marks = self.page.locator('[data-field="mark"]:visible')
        expect(marks.first).to_be_visible()
        for text in marks.all_inner_texts():
            assert text in (
                "Below the panel's confidence threshold (100%)",
                "Abstained: named no diagnosis",
            )
        expect(self.page.locator('[data-field="escalation"]')).to_contain_text(
            "The case went to human review."
        )
        expect(self.page.get_by_text("null%")).to_have_count(0)
