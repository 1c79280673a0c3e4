"""The pages: login, navigation by role, new case, case list, and the case page rendered
complete from the database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import deliberation, runners
from cases.deliberation import EMPTY_TEXT, PANEL_NOT_FOUND, TEXT_TOO_LONG
from cases.management.commands.recover_deliberations import INTERRUPTED, WORKER_LOST
from cases.models import Case, Deliberation
from cases.wording import OFFLINE_LABEL
from tests.cases.scenarios import (
    CASE_TEXT,
    consensus_panel,
    delta,
    member,
    run_case,
    split_panel,
    started_case,
)
from tests.factories import make_panel
from tests.fakes import scripted  # noqa: F401  (registers the scripted provider)
from tests.fakes.scripted import answer


@pytest.fixture
def started(monkeypatch) -> list[int]:
    """Deliberations the pages asked the runner to start (nothing really runs)."""
    ids: list[int] = []
    monkeypatch.setattr(runners, "start", ids.append)
    return ids


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def root_attrs(html: str) -> dict[str, str]:
    tag = re.search(r'<div id="deliberation"[^>]*>', html, re.S)
    assert tag, "the case page has no deliberation root element"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag.group(0)))


# --- login, logout, navigation -------------------------------------------------------------


def test_root_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert b"Log in" in response.content


def test_clinician_logs_in_with_the_form_and_lands_on_their_cases(client, clinician):
    response = client.post(
        reverse("login"), {"username": "clin", "password": "pw-clin"}, follow=True
    )

    assert response.status_code == 200
    assert b"My cases" in response.content


def test_wrong_password_shows_an_error(client, clinician):
    response = client.post(reverse("login"), {"username": "clin", "password": "nope"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_logout_is_a_post_that_ends_the_session(client, clinician):
    login(client, clinician)

    client.post(reverse("logout"))

    assert client.get(reverse("cases:list")).status_code == 302


def test_navigation_depends_on_the_role(client, clinician, reviewer, administrator):
    clin_page = login(Client(), clinician).get(reverse("cases:list")).content.decode()
    rev_page = login(Client(), reviewer).get(reverse("cases:list")).content.decode()
    admin_page = login(Client(), administrator).get(reverse("cases:list")).content.decode()

    assert "New case" in clin_page and "Human review queue" not in clin_page
    assert "My cases" in clin_page
    assert "Human review queue" in rev_page and "New case" not in rev_page
    assert "All cases" in rev_page
    assert "Panels" in admin_page and "New case" in admin_page


# --- new case --------------------------------------------------------------------------------


def test_new_case_form_preselects_the_default_panel(client, clinician):
    consensus_panel("second")
    consensus_panel("main", is_default=True)

    html = login(client, clinician).get(reverse("cases:new")).content.decode()

    assert re.search(r'<option value="main"[^>]*selected', html)
    assert '<label for="id_text">' in html and '<label for="id_age">' in html


def test_submitting_a_case_creates_it_starts_it_and_opens_its_page(client, clinician, started):
    consensus_panel("main", is_default=True)

    response = login(client, clinician).post(
        reverse("cases:new"), {"text": CASE_TEXT, "age": "67", "sex": "F", "panel": "main"}
    )

    case = Case.objects.get()
    assert (case.text, case.age, case.sex, case.submitted_by) == (CASE_TEXT, 67, "F", clinician)
    assert started == [case.deliberations.get().pk]
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


@pytest.mark.parametrize(
    ("text", "panel", "message"),
    [
        ("   ", "main", EMPTY_TEXT),
        ("x" * 51, "main", TEXT_TOO_LONG.format(length=51, limit=50)),
        (CASE_TEXT, "no-such-panel", PANEL_NOT_FOUND.format(name="no-such-panel")),
    ],
    ids=["empty", "too-long", "unknown-panel"],
)
def test_invalid_submission_shows_the_error_and_creates_nothing(
    client, clinician, started, settings, text, panel, message
):
    settings.CASE_TEXT_MAX_CHARS = 50
    consensus_panel("main", is_default=True)

    response = login(client, clinician).post(reverse("cases:new"), {"text": text, "panel": panel})

    assert response.status_code == 422
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert "The case was not submitted" in response.content.decode()
    assert not Case.objects.exists() and started == []


def test_reviewer_cannot_open_the_new_case_page(client, reviewer):
    assert login(client, reviewer).get(reverse("cases:new")).status_code == 403


# --- case list -------------------------------------------------------------------------------


def test_clinician_sees_only_their_own_cases_and_a_reviewer_sees_all(
    client, clinician, other_clinician, reviewer
):
    panel = consensus_panel()
    mine = deliberation.create("Mine: chest pain", panel=panel, submitted_by_id=clinician.pk)
    theirs = deliberation.create("Theirs: rash", panel=panel, submitted_by_id=other_clinician.pk)

    clin_html = login(Client(), clinician).get(reverse("cases:list")).content.decode()
    rev_html = login(Client(), reviewer).get(reverse("cases:list")).content.decode()

    assert f"Case {mine.case_id}<" in clin_html and f"Case {theirs.case_id}<" not in clin_html
    assert f"Case {mine.case_id}<" in rev_html and f"Case {theirs.case_id}<" in rev_html


def test_case_list_is_newest_first_and_paginated(client, clinician):
    panel = consensus_panel()
    ids = [
        deliberation.create(f"case {i}", panel=panel, submitted_by_id=clinician.pk).case_id
        for i in range(23)
    ]
    login(client, clinician)

    first = client.get(reverse("cases:list")).content.decode()
    second = client.get(reverse("cases:list") + "?page=2").content.decode()

    shown_first = [int(i) for i in re.findall(r">Case (\d+)</a>", first)]
    shown_second = [int(i) for i in re.findall(r">Case (\d+)</a>", second)]
    assert shown_first == sorted(ids, reverse=True)[:20]
    assert shown_second == sorted(ids, reverse=True)[20:]
    assert "Page 1 of 2" in first


def test_case_list_shows_outcome_diagnosis_and_elapsed_time_and_filters_by_outcome(
    client, clinician
):
    agreed = run_case(clinician, consensus_panel())
    tied = run_case(clinician, split_panel())
    login(client, clinician)

    everything = client.get(reverse("cases:list")).content.decode()
    only_consensus = client.get(reverse("cases:list") + "?outcome=consensus").content.decode()
    only_none = client.get(reverse("cases:list") + "?outcome=no_consensus").content.decode()

    assert "Community-acquired pneumonia" in everything
    assert re.search(r"\d+\.\d s</td>", everything)
    assert f"Case {agreed.case_id}<" in only_consensus
    assert f"Case {tied.case_id}<" not in only_consensus
    assert f"Case {tied.case_id}<" in only_none and f"Case {agreed.case_id}<" not in only_none


def test_case_list_filter_answers_htmx_with_just_the_results(client, clinician):
    run_case(clinician, consensus_panel())

    response = login(client, clinician).get(
        reverse("cases:list") + "?outcome=consensus", headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert "<table" in html and "<html" not in html


# --- case page -------------------------------------------------------------------------------


def test_another_clinicians_case_page_is_not_found(client, clinician, other_clinician):
    d = run_case(other_clinician, consensus_panel())

    assert (
        login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).status_code == 404
    )


def test_finished_case_page_is_complete_without_javascript(client, clinician):
    d = run_case(clinician, consensus_panel())

    html = login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).content.decode()

    attrs = root_attrs(html)
    assert attrs["state"] == "consensus"
    assert attrs["last-seq"] == str(d.last_seq)
    assert "Community-acquired pneumonia" in html
    assert "Pneumonia, unspecified organism" in html  # the official J18.9 description
    assert "3 of 5 members voted for this diagnosis; 3 were needed." in html
    assert "Quorum reached" in html  # the tally row against the quorum
    assert html.count('data-status="done"') == 5


def test_no_consensus_page_tells_the_clinician_where_review_stands_without_a_link(
    client, clinician, reviewer
):
    d = run_case(clinician, split_panel())
    escalation = d.escalations.get()
    page = reverse("cases:detail", args=[d.case_id])

    html = login(client, clinician).get(page).content.decode()

    assert root_attrs(html)["state"] == "no_consensus"
    assert "The case went to human review." in html
    assert "no reviewer has claimed it yet" in html
    assert f'href="/escalations/{escalation.pk}/"' not in html
    assert "The votes were tied between diagnoses" in html
    escalation.claimed_by = reviewer
    escalation.status = "claimed"
    escalation.save()
    assert f"claimed by {reviewer.get_username()}" in client.get(page).content.decode()
    reviewer_html = login(client, reviewer).get(page).content.decode()
    assert f'href="/escalations/{escalation.pk}/"' in reviewer_html


def test_case_text_and_member_output_are_shown_as_text_never_as_markup(client, clinician):
    hostile = {
        "diagnosis": "<script>alert('dx')</script>",
        "icd10": "J18.9",
        "confidence": 70,
        "reasoning": "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1))",
        "differential": ["<b>not bold</b>"],
    }
    panel = make_panel("hostile", [member(hostile)] * 5)
    d = run_case(clinician, panel, text="<script>alert('case')</script> fever")

    html = login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).content.decode()

    assert "<script>alert(" not in html
    assert "<img src=x" not in html and "<b>not bold</b>" not in html
    assert "&lt;script&gt;alert(&#x27;case&#x27;)&lt;/script&gt; fever" in html
    assert "&lt;script&gt;alert(&#x27;dx&#x27;)&lt;/script&gt;" in html
    assert "**bold** [link](javascript:alert(1))" in html


def test_page_mid_deliberation_shows_streamed_text_and_who_is_thinking(client, clinician):
    d = started_case(clinician, consensus_panel())
    last = delta(d, 0, '"Pneumonia"')

    html = login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).content.decode()

    attrs = root_attrs(html)
    assert attrs["state"] == "deliberating" and attrs["last-seq"] == str(last)
    assert "&quot;diagnosis&quot;" not in html  # the JSON being written is never shown raw
    assert html.count('data-status="writing"') == 1
    assert html.count('data-status="thinking"') == 4
    assert "Round 1: 0 of 5 answered" in html


def test_streamed_reasoning_reads_as_prose_while_it_is_written(client, clinician):
    d = started_case(clinician, consensus_panel())
    delta(d, 0, '"Pneumonia", "icd10": "J18.9", "reasoning": "Fever and a productive')
    delta(d, 0, ' cough,\\nwith \\"crackles\\"')

    html = login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).content.decode()

    assert "Fever and a productive cough,\nwith &quot;crackles&quot;" in html
    assert "icd10" not in html.split('data-stream="1"')[1].split("</div>")[0]


def test_offline_members_are_labelled_not_for_clinical_use(client, clinician):
    panel = make_panel("offline-like", [{"provider": "builtin"}] * 5)
    d = deliberation.create(CASE_TEXT, panel=panel, submitted_by_id=clinician.pk)

    html = login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).content.decode()

    assert html.count(OFFLINE_LABEL) == 5


def test_a_deliberation_interrupted_by_a_restart_shows_why_after_recovery(client, clinician):
    d = started_case(clinician, consensus_panel())

    call_command("recover_deliberations")

    d.refresh_from_db()
    assert d.status == "failed" and d.failure == INTERRUPTED
    html = login(client, clinician).get(reverse("cases:detail", args=[d.case_id])).content.decode()
    assert root_attrs(html)["state"] == "failed"
    assert INTERRUPTED in html
    assert "Human review: queued since" in html


def test_with_celery_only_deliberations_past_the_task_time_limit_are_failed(clinician, settings):
    settings.DELIBERATION_RUNNER = "celery"
    settings.CELERY_TASK_TIME_LIMIT = 660
    panel = consensus_panel()
    lost = started_case(clinician, panel)
    running = started_case(clinician, panel)
    queued = deliberation.create(CASE_TEXT, panel=panel, submitted_by_id=None)
    Deliberation.objects.filter(pk=lost.pk).update(
        started_at=timezone.now() - timedelta(seconds=661)
    )
    Deliberation.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - timedelta(seconds=60)
    )

    call_command("recover_deliberations")

    statuses = dict(Deliberation.objects.values_list("pk", "status"))
    assert (statuses[lost.pk], statuses[running.pk], statuses[queued.pk]) == (
        "failed",
        "running",
        "queued",
    )
    assert Deliberation.objects.get(pk=lost.pk).failure == WORKER_LOST.format(limit=660)


def test_recovery_leaves_finished_deliberations_alone(clinician):
    d = run_case(clinician, consensus_panel())

    call_command("recover_deliberations")

    assert Deliberation.objects.get(pk=d.pk).status == "finished"


def test_the_page_shows_where_a_member_was_asked_to_correct_its_answer(client, clinician):
    good = answer("Community-acquired pneumonia", "J18.9")
    panel = make_panel(
        "repair-page",
        [{"provider": "scripted", "options": {"propose": good}}] * 4
        + [{"provider": "scripted", "options": {"propose": "<b>not json</b>", "repair": good}}],
    )
    created = deliberation.create("Fever.", panel=panel, submitted_by_id=clinician.pk)
    async_to_sync(deliberation.run)(created.pk)
    client.force_login(clinician)

    html = client.get(f"/cases/{created.case_id}/").content.decode()

    note = "[Asked to correct the answer: The answer contains no JSON object."
    assert f"&lt;b&gt;not json&lt;/b&gt;\n{note}" in html


# --- errors, landing, panels offered, search ------------------------------------------------


def test_forbidden_and_not_found_pages_are_styled_with_a_way_back(client, reviewer, clinician):
    login(client, reviewer)

    forbidden = client.get(reverse("cases:new"))
    missing = client.get("/cases/999999/")

    assert forbidden.status_code == 403 and missing.status_code == 404
    for response in (forbidden, missing):
        html = response.content.decode()
        assert 'class="site-header"' in html and 'lang="en"' in html
        assert '<a href="/">Your start page</a>' in html
    assert "You cannot open this page" in forbidden.content.decode()
    assert "There is nothing here" in missing.content.decode()


def test_each_role_lands_on_its_work(client, clinician, reviewer, administrator):
    assert login(client, clinician).get("/")["Location"] == reverse("cases:list")
    assert login(client, reviewer).get("/")["Location"] == reverse("escalations:queue")
    assert login(client, administrator).get("/")["Location"] == reverse("analytics")


def test_only_offered_panels_are_offered_to_clinicians(client, clinician, started):
    make_panel("default-one", [{"provider": "builtin"}] * 5, is_default=True)
    make_panel("test-panel", [{"provider": "builtin"}] * 5)
    offered = make_panel("offered-one", [{"provider": "builtin"}] * 5)
    offered.offered_to_clinicians = True
    offered.save()
    login(client, clinician)

    html = client.get(reverse("cases:new")).content.decode()
    refused = client.post(reverse("cases:new"), {"text": CASE_TEXT, "panel": "test-panel"})

    assert 'value="default-one"' in html and 'value="offered-one"' in html
    assert 'value="test-panel"' not in html
    assert refused.status_code == 422
    assert "is not offered for new cases" in refused.content.decode()
    assert started == []


def test_clinicians_search_their_cases_by_text_date_and_outcome(client, clinician):
    panel = consensus_panel()
    fever = run_case(clinician, panel, text="Fever and a productive cough.")
    rash = run_case(clinician, panel, text="An itchy rash on both arms.")
    Case.objects.filter(pk=rash.case_id).update(created_at="2026-01-05T10:00:00Z")
    login(client, clinician)

    def ids(query: str) -> set[int]:
        html = client.get("/cases/?" + query).content.decode()
        return {int(i) for i in re.findall(r'data-case-id="(\d+)"', html)}

    assert ids("q=cough") == {fever.case_id}
    assert ids("until=2026-02-01") == {rash.case_id}
    assert ids("since=2026-02-01&outcome=consensus") == {fever.case_id}
    assert ids("outcome=no_consensus") == set()
    bad = client.get("/cases/?since=2026-03-01&until=2026-01-01").content.decode()
    assert "The start date is after the end date." in bad
