"""Submission limits: per-user and per-panel rates and a daily cost budget per panel, refused
before anything is created or any vendor is called (API: 429 and a clear message)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from cases import limits, runners, tokens
from cases.models import Case
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
