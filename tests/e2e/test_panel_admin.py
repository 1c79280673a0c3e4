"""In the browser: an administrator opens a panel in the admin, reads its guarantees and
reliability table, changes the error rate and sees the table recomputed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from cases.models import Role
from panels.forms import BAD_ERROR_RATE
from tests.e2e.base import BrowserTestCase
from tests.factories import make_panel


def cells(page: Page, *, b: int, k: int) -> list[str]:
    return [
        text.strip()
        for text in page.locator(
            f'#reliability-table tr[data-b="{b}"][data-k="{k}"] td'
        ).all_text_contents()
    ]


@pytest.mark.e2e
class PanelAdminTests(BrowserTestCase):
    def test_administrator_changes_the_error_rate_and_sees_the_table_update(self) -> None:
        user = User.objects.create_superuser("boss")
        user.groups.add(Group.objects.get_or_create(name=Role.ADMINISTRATOR)[0])
        self.set_password("boss", "boss-pw-2026")
        panel = make_panel("seed", [{"provider": "builtin"}] * 5)

        page = self.new_page()
        self.log_in(page, "boss", "boss-pw-2026")
        page.goto(f"/admin/panels/panel/{panel.pk}/change/")

        expect(page.locator("#panel-guarantees")).to_contain_text(
            "Tolerates 2 faulty members; 3 of 5 votes decide"
        )
        expect(page.locator("#panel-warnings")).to_contain_text("offline reference engine")
        table = page.locator("#reliability-table")
        expect(table).to_have_attribute("data-error-rate", "10")
        expect(table.locator("caption")).to_contain_text("independently of the others")
        row = table.locator('tr[data-b="2"][data-k="10"] td')
        expect(row).to_have_text(["2", "10", "72.900%", "2.971%", "24.129%"])

        page.get_by_label("Error rate per member (%)").fill("20")
        page.get_by_role("button", name="Recompute").click()

        expect(table).to_have_attribute("data-error-rate", "20")
        expect(row).to_have_text(["2", "10", "51.200%", "5.888%", "42.912%"])
        expect(table.locator('tr[data-b="0"][data-k="1"] td')).to_have_text(
            ["0", "1", "94.208%", "5.792%", "0.000%"]
        )
        expect(page.get_by_label("Error rate per member (%)")).to_have_value("20")
        assert cells(page, b=0, k=3)[2] == "94.208%"

        # Typed past the browser's own checks (an edited URL): a message, and 10% again.
        page.goto(f"/admin/panels/panel/{panel.pk}/change/?p=abc")
        expect(page.locator("#error-rate-message")).to_have_text(BAD_ERROR_RATE.format(default=10))
        expect(table).to_have_attribute("data-error-rate", "10")
        expect(row).to_have_text(["2", "10", "72.900%", "2.971%", "24.129%"])
