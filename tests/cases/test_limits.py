"""Submission limits: per-user and per-panel rates and a daily cost budget per panel, refused
before anything is created or any vendor is called (API: 429 and a clear message)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from cases import deliberation, limits, runners, tokens
from cases.models import Case, Deliberation
from panels.models import ModelPrice
from tests.cases.scenarios import CASE_TEXT, consensus_panel


@pytest.fixture
def started(monkeypatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(runners, "start", ids.append)
    return ids


def submit(user, text: str = CASE_TEXT):
    token = tokens.create(user, name="t")[1]
    return Client().post(
        "/api/cases",
        json.dumps({"text": text}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.django_db
def test_a_user_over_the_rate_gets_429_and_when_to_retry(clinician, settings, started):
    settings.SUBMIT_RATE_PER_USER = 3
    consensus_panel("main", is_default=True)
    assert [submit(clinician).status_code for _ in range(3)] == [202] * 3
    refused = submit(clinician)
    assert refused.status_code == 429
    assert refused.json()["detail"] == limits.USER_RATE.format(count=3, window=10, retry=10)
    assert 0 < int(refused["Retry-After"]) <= 600
    assert Case.objects.count() == 3 and len(started) == 3


@pytest.mark.django_db
def test_a_panel_over_its_rate_refuses_every_user(clinician, other_clinician, settings, started):
    settings.SUBMIT_RATE_PER_PANEL = 2
    consensus_panel("main", is_default=True)
    assert submit(clinician).status_code == 202
    assert submit(other_clinician).status_code == 202
    refused = submit(other_clinician)
    assert refused.status_code == 429 and "Panel main has taken 2 cases" in refused.json()["detail"]


@pytest.mark.django_db
def test_an_evaluation_run_does_not_use_up_the_panels_rate(clinician, settings, started):
    settings.SUBMIT_RATE_PER_PANEL = 2
    panel = consensus_panel("main", is_default=True)
    for _ in range(3):
        deliberation.create(CASE_TEXT, panel=panel, submitted_by_id=None, is_evaluation=True)
    assert submit(clinician).status_code == 202


@pytest.fixture
def priced_panel(db):
    ModelPrice.objects.create(
        provider="scripted",
        model_name="script-1",
        input_usd_per_mtok=Decimal("10"),
        output_usd_per_mtok=Decimal("30"),
    )
    return consensus_panel("main", is_default=True)


@pytest.mark.django_db
def test_the_daily_budget_refuses_before_any_vendor_is_called(
    clinician, settings, started, priced_panel
):
    estimate = limits.estimate_cost(CASE_TEXT, panel=priced_panel)
    assert estimate > Decimal("0.1")  # five priced members, two rounds
    settings.PANEL_DAILY_BUDGETS = {"main": float(estimate) / 2}
    refused = submit(clinician)
    assert refused.status_code == 429
    detail = refused.json()["detail"]
    assert detail.startswith("Panel main has used $0.00 of its $")
    assert f"this case would cost about ${estimate}" in detail
    assert "Nothing was sent to any vendor" in detail
    assert not Case.objects.exists() and started == []
    settings.PANEL_DAILY_BUDGETS = {"main": float(estimate) * 3}
    assert submit(clinician).status_code == 202


@pytest.mark.django_db
def test_the_form_and_the_command_refuse_with_the_same_message(clinician, settings, priced_panel):
    settings.PANEL_DAILY_BUDGET_USD = 0.0
    client = Client()
    client.force_login(clinician)
    page = client.post("/cases/new/", {"text": CASE_TEXT, "panel": "main"})
    assert page.status_code == 422
    assert "Nothing was sent to any vendor" in page.content.decode()
    with pytest.raises(CommandError, match="Nothing was sent to any vendor"):
        call_command("deliberate", "--panel", "main", "--text", CASE_TEXT)
    assert not Case.objects.exists()


# --- the budget on the panel admin page -------------------------------------------------------


def budget_paragraph(user, panel) -> str:
    client = Client()
    client.force_login(user)
    html = client.get(f"/admin/panels/panel/{panel.pk}/change/").content.decode()
    found = re.search(r'<p id="panel-budget">(.*?)</p>', html, re.S)
    assert found is not None, "the change page shows no budget"
    return found.group(1).replace("&#x27;", "'")


def spend(panel, usd: str, *, days_ago: int = 0) -> None:
    from cases import deliberation

    made = deliberation.create(CASE_TEXT, panel=panel, submitted_by_id=None)
    Deliberation.objects.filter(pk=made.pk).update(
        cost_usd=Decimal(usd), created_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root-long-enough")


@pytest.mark.django_db
def test_the_panel_admin_page_shows_the_budget_today_s_spend_and_what_is_left(
    superuser, settings, priced_panel
):
    settings.PANEL_DAILY_BUDGETS = {"main": 25}
    spend(priced_panel, "3.10")
    spend(priced_panel, "0.65")
    spend(priced_panel, "40", days_ago=1)  # yesterday's spend is not today's
    assert budget_paragraph(superuser, priced_panel) == (
        "Daily cost budget: $25.00 per UTC day. Spent today (UTC day, estimated from the "
        "members' prices): $3.75. Left: $21.25."
    )
    spend(priced_panel, "30")
    assert budget_paragraph(superuser, priced_panel).endswith(
        "$33.75. Left: nothing; new cases on this panel are refused until midnight UTC."
    )


@pytest.mark.django_db
def test_the_panel_admin_page_says_when_a_panel_has_no_budget(superuser, priced_panel):
    spend(priced_panel, "0.0042")
    assert budget_paragraph(superuser, priced_panel) == (
        "No daily cost budget: this panel may spend without limit (set PANEL_DAILY_BUDGET_USD, "
        "or PANEL_DAILY_BUDGETS=main:25). Spent today (UTC day, estimated from the members' "
        "prices): $0.0042."
    )
