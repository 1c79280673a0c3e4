"""The tamper-evident audit trail: what writes events, verify_audit, browsing and export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from cases import audit, escalation
from cases.audit import anchor as audit_anchor
from cases.audit import verify as audit_verify
from cases.audit.views import ADMINISTRATORS_ONLY
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
    # Nothing here committed, so no checkpoint was written; every hash and link verifies.
    assert [f.kind for f in audit_verify.verify().findings] == ["no_checkpoint"]


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


# --- verify_audit: the keyed, anchored chain -----------------------------------------------


@pytest.fixture
def anchored(django_capture_on_commit_callbacks):
    """Run writes with their on-commit callbacks, as a committed request would: the
    checkpoints of the chain's head are appended (by the anchor's thread; waited for, so
    that the file can be read or edited directly)."""

    @contextmanager
    def block() -> Iterator[object]:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
        assert audit_anchor.flush(timeout=10)

    return block


def five_events(clinician, reviewer, reviewer2, anchored):
    with anchored():
        item = make_escalated_case(clinician)
    for user in (reviewer, reviewer2):
        with anchored():
            escalation.claim(item.pk, user=user)
        with anchored():
            escalation.release(item.pk, user=user)
    assert AuditEvent.objects.count() == 5
    return item


def verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def forge_append(*, key_id: str = "local1", hash_with=None) -> None:
    """What an attacker with database access but not the key can do: append a row whose
    hash is computed with the standard library alone."""
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    event = AuditEvent(
        seq=last.seq + 1,
        key_id=key_id,
        action="escalation.signed",
        object_type="cases.escalation",
        object_id=last.object_id,
        payload={"icd10": "J18.9"},
        created_at=last.created_at,
        prev_hash=last.hash,
    )
    body = json.dumps(audit.fields(event), sort_keys=True, separators=(",", ":"), default=str)
    event.hash = hashlib.sha256(
        f"{key_id}|{event.seq}|{event.prev_hash}|{body}".encode()
    ).hexdigest()
    event.save()


@pytest.mark.django_db
def test_verify_audit_passes_an_intact_anchored_chain(clinician, reviewer, reviewer2, anchored):
    five_events(clinician, reviewer, reviewer2, anchored)
    code, out, _ = verify()
    assert code == 0
    assert INTACT.format(count=5) in out
    assert "(event 5); 0 events since" in out
    checkpoints, bad = audit_anchor.read()
    assert [c.seq for c in checkpoints] == [1, 2, 3, 4, 5] and bad == []


@pytest.mark.django_db
def test_one_transaction_of_several_events_is_anchored_once_at_its_head(anchored):
    """A transaction's checkpoint covers all its events (each chains onto the one before):
    one fsync per commit, not one per event, and the chain verifies up to its head."""
    with anchored(), transaction.atomic():
        for n in range(3):
            audit.record("test.event", object_type="test", object_id=str(n))
    checkpoints, bad = audit_anchor.read()
    head = AuditEvent.objects.get(seq=3)
    assert [(c.seq, c.head_hash, c.count) for c in checkpoints] == [(3, head.hash, 3)]
    assert bad == [] and audit_verify.verify().findings == []


@pytest.mark.django_db
def test_an_event_rolled_back_first_does_not_cost_the_transaction_its_checkpoint(anchored):
    """The hook of an event whose savepoint rolled back is discarded; the events that
    committed are anchored all the same, at the committed head."""
    with anchored(), transaction.atomic():
        try:
            with transaction.atomic():
                audit.record("test.undone", object_type="test", object_id="0")
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        audit.record("test.event", object_type="test", object_id="1")
        audit.record("test.event", object_type="test", object_id="2")
    checkpoints, _ = audit_anchor.read()
    assert [(c.seq, c.head_hash) for c in checkpoints] == [(2, AuditEvent.objects.get(seq=2).hash)]
    assert audit_verify.verify().findings == []


@pytest.mark.django_db
def test_an_event_rolled_back_last_is_never_anchored(anchored):
    """The checkpoint is of the committed head, never of an event that was rolled back."""
    with anchored(), transaction.atomic():
        audit.record("test.event", object_type="test", object_id="1")
        try:
            with transaction.atomic():
                audit.record("test.undone", object_type="test", object_id="2")
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
    checkpoints, _ = audit_anchor.read()
    assert [(c.seq, c.head_hash) for c in checkpoints] == [(1, AuditEvent.objects.get(seq=1).hash)]
    assert audit_verify.verify().findings == []


@pytest.mark.django_db(transaction=True)
def test_a_commit_does_not_wait_for_its_checkpoints_fsync(monkeypatch):
    """The anchor's thread writes and fsyncs the checkpoint: the committing request goes on
    at once, and the checkpoint, signed at commit, is in the file once written."""
    release, entered = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        entered.set()
        release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    with transaction.atomic():
        head = audit.record("case.read", object_type="cases.case", object_id="1")
    assert entered.wait(10)  # the anchor's thread is inside the fsync; this one went on
    assert not audit_anchor.flush(timeout=0.05)
    release.set()
    checkpoints, bad = audit_anchor.read()  # waits for this process's pending checkpoints
    assert [(c.seq, c.head_hash) for c in checkpoints] == [(1, head.hash)] and bad == []


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_that_cannot_be_written_is_logged_and_the_next_one_is(
    settings, tmp_path, caplog
):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "not-a-file"
    settings.AUDIT_CHECKPOINT_FILE.mkdir()
    with caplog.at_level(logging.ERROR, logger="cases.audit.anchor"):
        audit.record("case.read", object_type="cases.case", object_id="1")
        assert audit_anchor.flush(timeout=10)
    assert "could not append 1 audit checkpoint" in caplog.text
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    second = audit.record("case.read", object_type="cases.case", object_id="2")
    checkpoints, _ = audit_anchor.read()
    assert [(c.seq, c.head_hash) for c in checkpoints] == [(2, second.hash)]


@pytest.mark.django_db
def test_verify_audit_catches_a_row_edited_in_the_database(
    clinician, reviewer, reviewer2, anchored
):
    five_events(clinician, reviewer, reviewer2, anchored)
    claimed = AuditEvent.objects.filter(action="escalation.claimed").order_by("seq").first()
    assert claimed is not None
    # Someone with database access rewrites who claimed it; the keyed hash no longer matches.
    AuditEvent.objects.filter(pk=claimed.pk).update(actor=reviewer2)
    code, message, err = verify()
    assert code == 1 and message == BROKEN.format(problems=1, count=5)
    assert audit_verify.FORGED.format(seq=claimed.seq, key_id="local1") in err


@pytest.mark.django_db
@pytest.mark.parametrize("cut", [1, 3])
def test_verify_audit_catches_a_deleted_tail(clinician, reviewer, reviewer2, anchored, cut):
    five_events(clinician, reviewer, reviewer2, anchored)
    doomed = AuditEvent.objects.order_by("-seq")[:cut].values_list("pk", flat=True)
    AuditEvent.objects.filter(pk__in=list(doomed)).delete()
    code, _, err = verify()
    assert code == 1
    assert "missing_tail" in err
    assert f"the chain ends at event {5 - cut}" in err and f"events {6 - cut}-5 were deleted" in err


@pytest.mark.django_db
def test_verify_audit_catches_a_forged_row_appended_without_the_key(
    clinician, reviewer, reviewer2, anchored
):
    five_events(clinician, reviewer, reviewer2, anchored)
    forge_append()
    code, _, err = verify()
    assert code == 1
    assert audit_verify.FORGED.format(seq=6, key_id="local1") in err


@pytest.mark.django_db
def test_a_forged_row_is_flagged_on_the_audit_page(
    clinician, reviewer, reviewer2, administrator, anchored
):
    five_events(clinician, reviewer, reviewer2, anchored)
    forge_append(key_id="")  # pretending to be an unkeyed event from before the upgrade
    html = login(administrator).get("/audit/").content.decode()
    assert 'data-intact="false"' in html
    assert audit_verify.LEGACY_AFTER_KEYED.format(seq=6) in html


@pytest.mark.django_db
def test_verify_audit_catches_a_tail_rechained_with_the_key(
    clinician, reviewer, reviewer2, anchored
):
    """An insider who holds the key rewrites the last three events and re-chains them; every
    hash verifies, but the head no longer matches the signed checkpoint."""
    five_events(clinician, reviewer, reviewer2, anchored)
    prev = AuditEvent.objects.get(seq=2).hash
    for event in AuditEvent.objects.filter(seq__gt=2).order_by("seq"):
        event.actor = reviewer2
        event.prev_hash = prev
        event.hash = audit.expected_hash(event)
        event.save()
        prev = event.hash
    code, _, err = verify()
    assert code == 1
    assert "forged" not in err and "broken_link" not in err
    assert "rechained: event 5 does not have the hash the checkpoint" in err


@pytest.mark.django_db
def test_verify_audit_catches_a_row_removed_before_the_checkpoint(
    clinician, reviewer, reviewer2, anchored
):
    five_events(clinician, reviewer, reviewer2, anchored)
    AuditEvent.objects.filter(seq=3).delete()
    code, _, err = verify()
    assert code == 1
    assert "events 3-3 are missing" in err
    assert "counts 5 events up to 5, the table holds 4" in err


@pytest.mark.django_db
def test_verify_audit_refuses_a_chain_whose_checkpoint_file_is_gone(
    clinician, reviewer, reviewer2, anchored
):
    five_events(clinician, reviewer, reviewer2, anchored)
    audit_anchor.path().unlink()
    code, _, err = verify()
    assert code == 1 and "no_checkpoint" in err
    out = io.StringIO()
    call_command("verify_audit", "--checkpoint", stdout=out)
    assert "Checkpoint written for event 5" in out.getvalue()
    assert verify()[0] == 0


@pytest.mark.django_db
def test_verify_audit_refuses_an_edited_checkpoint(clinician, reviewer, reviewer2, anchored):
    five_events(clinician, reviewer, reviewer2, anchored)
    lines = audit_anchor.path().read_text().splitlines()
    forged = json.loads(lines[-1]) | {"seq": 4, "count": 4}
    audit_anchor.path().write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    code, _, err = verify()
    assert code == 1
    assert "checkpoint file line 5: signature does not match" in err


@pytest.mark.django_db
def test_rotated_keys_keep_old_events_verifiable(
    clinician, reviewer, reviewer2, anchored, settings
):
    item = five_events(clinician, reviewer, reviewer2, anchored)
    settings.AUDIT_KEYS = [("k2", "a-second-secret-of-enough-length"), *settings.AUDIT_KEYS]
    with anchored():
        escalation.claim(item.pk, user=reviewer)
    assert list(AuditEvent.objects.order_by("seq").values_list("key_id", flat=True)) == [
        *["local1"] * 5,
        "k2",
    ]
    assert verify()[0] == 0
    settings.AUDIT_KEYS = settings.AUDIT_KEYS[:1]  # the old key was dropped, not retired
    code, _, err = verify()
    assert code == 1 and "written with key 'local1', which is not in AUDIT_KEYS" in err


@pytest.mark.django_db
def test_events_from_before_the_keyed_chain_verify_as_its_prefix(clinician, reviewer, anchored):
    first = AuditEvent(
        seq=1,
        key_id="",
        action="auth.login",
        object_type="auth.user",
        object_id="1",
        payload={},
        created_at=timezone.now(),
        prev_hash=audit.GENESIS,
    )
    first.hash = audit.legacy_digest(first.prev_hash, audit.fields(first))
    first.save()
    with anchored():
        make_escalated_case(clinician)
    assert verify()[0] == 0


# --- browsing and export -----------------------------------------------------------------------


@pytest.fixture
def trail(clinician, reviewer, reviewer2, anchored):
    with anchored():
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
    event = AuditEvent.objects.order_by("seq")[1]
    AuditEvent.objects.filter(pk=event.pk).update(payload={"reason": "tie"})
    html = login(administrator).get("/audit/").content.decode()
    assert 'data-intact="false"' in html
    assert escape(audit_verify.FORGED.format(seq=event.seq, key_id="local1")) in html


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


@pytest.mark.django_db
def test_csv_export_neutralises_cells_a_spreadsheet_would_run(client, administrator):
    client.post("/accounts/login/", {"username": '=HYPERLINK("http://x","y")', "password": "p"})
    response = login(administrator).get("/audit/export.csv?action=auth.login_failed")
    rows = list(
        csv.DictReader(io.StringIO(cast(StreamingHttpResponse, response).getvalue().decode()))
    )
    assert rows[0]["object_id"] == '\'=HYPERLINK("http://x","y")'
    assert all(not value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())
