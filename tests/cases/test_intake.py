"""``intake.submit``, the one way a case enters: the text is checked once whichever interface
sends it, the outbox row commits with the case or not at all, and the runner starts only
once the transaction has committed."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError
from django.urls import reverse

from cases import deliberation, intake, runners, tokens
from cases.deliberation import EMPTY_TEXT, PANEL_NOT_FOUND, starting
from cases.models import Case, DeliberationRun
from tests.cases.scenarios import CASE_TEXT, consensus_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def text_checks(monkeypatch) -> list[str]:
    """Every call of the case-text check, by whichever name it is reached."""
    calls: list[str] = []
    real = starting.validate_case_text

    def counted(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(starting, "validate_case_text", counted)
    monkeypatch.setattr(deliberation, "validate_case_text", counted)
    return calls


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    """Deliberations handed to a runner (the in-process start, replaced)."""
    ids: list[int] = []
    monkeypatch.setattr(runners, "_start_in_process", ids.append)
    monkeypatch.setattr(runners, "dispatch", ids.append)
    return ids


def test_the_form_checks_the_case_text_once(client, clinician, text_checks, launched):
    consensus_panel("main", is_default=True)
    client.force_login(clinician)

    response = client.post(reverse("cases:new"), {"text": CASE_TEXT, "panel": "main"})

    assert response.status_code == 302
    assert text_checks == [CASE_TEXT]


def test_the_api_checks_the_case_text_once(client, clinician, text_checks, launched):
    consensus_panel("main", is_default=True)
    bearer = f"Bearer {tokens.create(clinician, name='t')[1]}"

    response = client.post(
        "/api/cases",
        json.dumps({"text": CASE_TEXT}),
        content_type="application/json",
        headers={"Authorization": bearer},
    )

    assert response.status_code == 202
    assert text_checks == [CASE_TEXT]


def test_the_outbox_row_is_written_in_the_case_s_transaction(clinician, monkeypatch):
    consensus_panel("main", is_default=True)

    def refused(**kwargs: object) -> None:
        raise DatabaseError("outbox table unavailable")

    monkeypatch.setattr(DeliberationRun.objects, "get_or_create", refused)

    with pytest.raises(DatabaseError):
        intake.submit(text=CASE_TEXT, panel_name="main", user=clinician)

    assert not Case.objects.exists()


def test_the_runner_starts_only_once_the_transaction_commits(
    clinician, launched, django_capture_on_commit_callbacks
):
    consensus_panel("main", is_default=True)

    with django_capture_on_commit_callbacks(execute=True):
        submitted = intake.submit(text=CASE_TEXT, panel_name="main", user=clinician)
        assert DeliberationRun.objects.filter(deliberation=submitted.deliberation).exists()
        assert launched == []

    assert launched == [submitted.deliberation.pk]


def test_every_bad_input_is_named_at_once_and_nothing_is_written(clinician, launched):
    consensus_panel("main", is_default=True)

    with pytest.raises(intake.InvalidInput) as refused:
        intake.submit(text="  ", panel_name="nope", user=clinician)

    assert intake.problems(refused.value) == {
        "text": EMPTY_TEXT,
        "panel": PANEL_NOT_FOUND.format(name="nope"),
    }
    assert not Case.objects.exists() and launched == []
