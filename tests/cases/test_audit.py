"""The tamper-evident audit trail: what writes events, verify_audit, browsing and export."""

from __future__ import annotations

import csv
import io
import json
from typing import cast

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.test import Client

from cases import audit, escalation
from cases.audit_views import ADMINISTRATORS_ONLY
from cases.management.commands.verify_audit import BROKEN, INTACT
from cases.models import AuditEvent
from panels.models import Panel, ProviderCredential
from tests.cases.escalation_fixtures import make_escalated_case


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.mark.django_db
def test_every_escalation_state_change_is_audited_with_actor_and_object(
    clinician, reviewer, reviewer2, administrator
):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    escalation.release(item.pk, user=reviewer)
    escalation.claim(item.pk, user=reviewer2)
    escalation.reassign(item.pk, admin=administrator, to_username="rev")
    escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Override.", icd10="K35.80"
    )
    escalation.co_sign(item.pk, user=reviewer2, password="pw-rev2")
    assert actions() == [
        "escalation.created",
        "escalation.claimed",
        "escalation.released",
        "escalation.claimed",
        "escalation.reassigned",
        "escalation.signed",
        "escalation.cosigned",
    ]
    events = AuditEvent.objects.order_by("id")
    assert [e.actor for e in events] == [
        None,
        reviewer,
        reviewer,
        reviewer2,
        administrator,
        reviewer,
        reviewer2,
    ]
    assert {(e.object_type, e.object_id) for e in events} == {("cases.escalation", str(item.pk))}
    signed = events.get(action="escalation.signed")
    assert signed.payload["icd10"] == "K35.80" and signed.payload["overrides_panel"] is True
    assert audit.first_broken_link() is None


@pytest.mark.django_db
def test_login_success_and_failure_are_audited(client, clinician):
    client.post("/accounts/login/", {"username": "clin", "password": "wrong"})
    client.post("/accounts/login/", {"username": "clin", "password": "pw-clin"})
    failed, ok = AuditEvent.objects.order_by("id")
    assert (failed.action, failed.actor, failed.payload["username"]) == (
        "auth.login_failed",
        None,
        "clin",
    )
    assert "wrong" not in json.dumps(failed.payload)
    assert (ok.action, ok.actor) == ("auth.login", clinician)


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", password="pw-root")


@pytest.mark.django_db
def test_adding_and_rotating_a_credential_in_the_admin_is_audited(superuser, settings):
    from cryptography.fernet import Fernet

    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    client = login(superuser)
    response = client.post(
        "/admin/panels/providercredential/add/",
        {"name": "openai-main", "vendor": "openai", "api_key": "sk-first-key-1234"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    credential = ProviderCredential.objects.get()
    client.post(
        f"/admin/panels/providercredential/{credential.pk}/change/",
        {"name": "openai-main", "vendor": "openai", "api_key": "sk-second-key-5678"},
    )
    added, rotated = AuditEvent.objects.filter(action__startswith="credential.").order_by("id")
    assert (added.action, rotated.action) == ("credential.added", "credential.rotated")
    assert rotated.actor == superuser and rotated.object_id == str(credential.pk)
    assert "sk-" not in json.dumps(added.payload) + json.dumps(rotated.payload)


@pytest.mark.django_db
def test_editing_a_panel_in_the_admin_is_audited(superuser):
    from tests.factories import make_panel

    panel = make_panel("offline", [{"provider": "builtin"}] * 5)
    client = login(superuser)
    page = client.get(f"/admin/panels/panel/{panel.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, (list, dict))
    }
    data.update({"name": "offline", "description": "Edited.", "n": 5, "q": 3, "f": 2})
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for member_form in fs.forms:
            for name, field in member_form.fields.items():
                value = member_form.initial.get(name, field.initial)
                if value is not None:
                    data[member_form.add_prefix(name)] = value
    for key in [k for k, v in data.items() if isinstance(v, bool)]:
        if data[key]:
            data[key] = "on"
        else:
            del data[key]
    response = client.post(f"/admin/panels/panel/{panel.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="panel.edited")
    assert event.actor == superuser
    assert (event.object_type, event.object_id) == ("panels.panel", str(panel.pk))
    assert "description" in event.payload["fields"]
    assert Panel.objects.get().description == "Edited."


# --- verify_audit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_audit_passes_an_intact_chain(clinician, reviewer):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert INTACT.format(count=2) in out.getvalue()


@pytest.mark.django_db
def test_verify_audit_catches_a_row_edited_in_the_database(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    escalation.release(item.pk, user=reviewer)
    escalation.claim(item.pk, user=reviewer2)
    claimed = AuditEvent.objects.filter(action="escalation.claimed").order_by("id").first()
    assert claimed is not None
    # Someone with database access rewrites who claimed it; the stored hash no longer matches.
    AuditEvent.objects.filter(pk=claimed.pk).update(actor=reviewer2)
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert exc.value.returncode == 1
    claimed.refresh_from_db()
    assert str(exc.value) == BROKEN.format(
        id=claimed.pk,
        action="escalation.claimed",
        object_type="cases.escalation",
        object_id=str(item.pk),
        created_at=claimed.created_at.isoformat(),
    )


@pytest.mark.django_db
def test_verify_audit_catches_a_deleted_row(clinician, reviewer):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    escalation.release(item.pk, user=reviewer)
    AuditEvent.objects.filter(action="escalation.claimed").delete()
    with pytest.raises(CommandError, match="broken at event"):
        call_command("verify_audit")


# --- browsing and export -----------------------------------------------------------------------


@pytest.fixture
def trail(clinician, reviewer, reviewer2):
    first = make_escalated_case(clinician)
    second = make_escalated_case(clinician)
    escalation.claim(first.pk, user=reviewer)
    escalation.claim(second.pk, user=reviewer2)
    return first, second


@pytest.mark.django_db
def test_only_administrators_can_browse_the_audit_trail(reviewer, trail):
    response = login(reviewer).get("/audit/")
    assert response.status_code == 403
    assert login(reviewer).get("/audit/export.csv").status_code == 403
    assert ADMINISTRATORS_ONLY


@pytest.mark.django_db
def test_administrator_filters_the_trail_by_action_and_actor(administrator, trail):
    client = login(administrator)
    page = client.get("/audit/?action=escalation.claimed&actor=rev2")
    events = list(page.context["page"].object_list)
    assert [(e.action, e.actor.username) for e in events] == [("escalation.claimed", "rev2")]
    html = client.get("/audit/").content.decode()
    assert 'data-intact="true"' in html


@pytest.mark.django_db
def test_audit_page_warns_when_the_chain_is_broken(administrator, trail):
    event = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=event.pk).update(payload={"reason": "tie"})
    html = login(administrator).get("/audit/").content.decode()
    assert f"The chain is broken at event {event.pk}" in html


@pytest.mark.django_db
def test_export_csv_and_json_lines_carry_the_filtered_events_and_hashes(administrator, trail):
    client = login(administrator)
    response = client.get("/audit/export.csv?action=escalation.claimed")
    assert response["Content-Type"] == "text/csv"
    assert "attachment;" in response["Content-Disposition"]
    rows = list(
        csv.DictReader(io.StringIO(cast(StreamingHttpResponse, response).getvalue().decode()))
    )
    assert [(r["action"], r["actor"]) for r in rows] == [
        ("escalation.claimed", "rev"),
        ("escalation.claimed", "rev2"),
    ]
    stored = AuditEvent.objects.filter(action="escalation.claimed").order_by("id")
    assert [r["hash"] for r in rows] == [e.hash for e in stored]

    response = client.get("/audit/export.jsonl?action=escalation.")
    lines = [
        json.loads(x)
        for x in cast(StreamingHttpResponse, response).getvalue().decode().splitlines()
    ]
    assert [x["action"] for x in lines] == [
        "escalation.created",
        "escalation.created",
        "escalation.claimed",
        "escalation.claimed",
    ]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert lines[0]["payload"]["reason"] == "no_supermajority"
