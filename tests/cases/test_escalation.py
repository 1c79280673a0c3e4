"""The human escalation queue: priority, claiming, sign-off, co-signature, corrections, the
append-only rule, the clinician's acknowledgement, and the pages that drive them."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.test import Client

from cases import escalation
from cases.escalation import EscalationError
from cases.models import (
    AppendOnlyError,
    AuditEvent,
    Case,
    CaseStatus,
    CoSignature,
    Escalation,
    EscalationStatus,
    SeverityRule,
    SignOff,
)
from tests.cases.escalation_fixtures import make_consensus_case, make_escalated_case

STEMI = [("NSTEMI", "I21.4"), ("Unstable angina", "I20.0"), ("Panic attack", "F41.0")]
PANIC = [("Panic attack", "F41.0"), ("Panic attack", "F41.0"), ("Anxiety", "F41.9")]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shift_back(item: Escalation, hours: float) -> None:
    """Pretend ``item`` arrived ``hours`` earlier."""
    delta = timedelta(hours=hours)
    item.refresh_from_db()
    Escalation.objects.filter(pk=item.pk).update(
        created_at=item.created_at - delta, rank_at=item.rank_at - delta
    )


def snapshot(item: Escalation) -> tuple[object, ...]:
    item.refresh_from_db()
    return (
        item.status,
        item.claimed_by_id,
        item.case.status,
        SignOff.objects.count(),
        CoSignature.objects.count(),
        # A wrong password is itself audited (auth.password_failed); nothing else is written.
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


# --- severity and priority -----------------------------------------------------------------


def test_severity_comes_from_ddxplus_for_known_conditions():
    assert escalation.severity_of("I21.4") == 1  # Possible NSTEMI / STEMI
    assert escalation.severity_of("J18.9") == 3  # Pneumonia ("j17, j18")
    assert escalation.severity_of("F41.0") == 5  # Panic attack


@pytest.mark.django_db
def test_administrator_rules_rate_unknown_codes_and_the_most_specific_rule_wins():
    assert escalation.severity_of("S72.001A") is None
    SeverityRule.objects.create(code="19", severity=4)
    SeverityRule.objects.create(code="S72", severity=2)
    assert escalation.severity_of("S72.001A") == 2  # category rule beats the chapter
    assert escalation.severity_of("S52.001A") == 4  # only the chapter rule matches
    SeverityRule.objects.create(code="J00-J99", severity=1)
    assert escalation.severity_of("J18.9") == 3  # DDXPlus knows pneumonia: rules do not apply


@pytest.mark.django_db
def test_severity_rule_rejects_a_code_that_is_not_icd10cm():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        SeverityRule(code="XYZ", severity=2).full_clean()
    assert "not an ICD-10-CM chapter number" in str(exc.value)


@pytest.mark.django_db
def test_escalation_takes_the_severity_of_its_most_severe_candidate(clinician):
    item = make_escalated_case(clinician, proposals=STEMI, votes=[0, 1, 2])
    assert item.severity == 1
    assert escalation.priority_now(item) == escalation.HEAD_START_HOURS[1]


@pytest.mark.django_db
def test_queue_ranks_severe_cases_first_until_waiting_time_catches_up(clinician, reviewer):
    panic = make_escalated_case(clinician, proposals=PANIC, votes=[0, 1, 2])
    stemi = make_escalated_case(clinician, proposals=STEMI, votes=[0, 1, 2])
    shift_back(panic, 30)
    assert list(escalation.queue(reviewer)) == [stemi, panic]
    shift_back(panic, 20)  # now 50 hours: waiting outweighs the 48-hour head start
    assert list(escalation.queue(reviewer)) == [panic, stemi]


# --- the queue page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_page_shows_reason_candidates_votes_age_and_priority(clinician, reviewer):
    item = make_escalated_case(clinician)
    shift_back(item, 3)
    html = login(reviewer).get("/escalations/").content.decode()
    assert f'data-escalation-id="{item.pk}"' in html
    assert "No supermajority" in html
    assert "Community-acquired pneumonia (J18.1): 2 votes, 2 proposals<" in html
    assert "Pulmonary embolism (I26.99): 2 votes, 2 proposals<" in html
    assert "Acute bronchitis (J20.9): 1 vote, 1 proposal<" in html
    assert "3 h 0 min" in html
    assert f'data-priority="{escalation.HEAD_START_HOURS[2] + 3}"' in html  # PE: severity 2


@pytest.mark.django_db
def test_queue_filters_mine_unclaimed_and_resolved(clinician, reviewer, reviewer2):
    mine = make_escalated_case(clinician)
    theirs = make_escalated_case(clinician)
    free = make_escalated_case(clinician)
    done = make_escalated_case(clinician)
    escalation.claim(mine.pk, user=reviewer)
    escalation.claim(theirs.pk, user=reviewer2)
    escalation.claim(done.pk, user=reviewer)
    escalation.sign_off(
        done.pk, user=reviewer, password="pw-rev", rationale="Clear.", proposal_id=_first(done)
    )
    client = login(reviewer)

    def ids(show: str) -> set[int]:
        page = client.get(f"/escalations/?show={show}").context["items"]
        return {row["escalation"].pk for row in page}

    assert ids("mine") == {mine.pk}
    assert ids("unclaimed") == {free.pk}
    assert ids("resolved") == {done.pk}
    assert ids("open") == {mine.pk, theirs.pk, free.pk}
    html = client.get("/escalations/?show=open").content.decode()
    assert "Claimed by rev2" in html


@pytest.mark.django_db
def test_queue_is_paginated(clinician, reviewer):
    for _ in range(21):
        make_escalated_case(clinician)
    client = login(reviewer)
    assert len(client.get("/escalations/").context["items"]) == 20
    assert len(client.get("/escalations/?page=2").context["items"]) == 1


@pytest.mark.django_db
def test_clinicians_cannot_open_the_queue(clinician):
    make_escalated_case(clinician)
    assert login(clinician).get("/escalations/").status_code == 403


# --- claim, release, reassign ------------------------------------------------------------


@pytest.mark.django_db
def test_claiming_a_claimed_escalation_fails_naming_the_holder(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    before = snapshot(item)
    with pytest.raises(EscalationError) as exc:
        escalation.claim(item.pk, user=reviewer2)
    assert str(exc.value) == escalation.ALREADY_CLAIMED.format(name="rev")
    assert snapshot(item) == before


@pytest.mark.django_db
def test_claim_is_a_conditional_update_so_a_stale_reader_loses(clinician, reviewer, reviewer2):
    # The interleaving of a race, made deterministic: right after the first statement of
    # reviewer2's claim that touches the escalation, reviewer's whole claim runs. A claim
    # that reads, then writes, saw the row unclaimed and overwrites the winner; a
    # conditional update either has won already or finds the row taken.
    item = make_escalated_case(clinician)
    outcomes: dict[str, str] = {}
    rival_ran = False

    def rival_claims_in_between(execute, sql, params, many, context):
        nonlocal rival_ran
        result = execute(sql, params, many, context)
        if not rival_ran and "cases_escalation" in sql and not sql.startswith("SAVEPOINT"):
            rival_ran = True
            outcomes["rev"] = _claim_outcome(item.pk, reviewer)
        return result

    with connection.execute_wrapper(rival_claims_in_between):
        outcomes["rev2"] = _claim_outcome(item.pk, reviewer2)

    assert rival_ran
    assert sorted(outcomes.values()).count("won") == 1
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    item.refresh_from_db()
    assert item.claimed_by is not None and item.claimed_by.username == winner
    assert AuditEvent.objects.filter(action="escalation.claimed").count() == 1


def _claim_outcome(escalation_id: int, user) -> str:
    try:
        escalation.claim(escalation_id, user=user)
    except EscalationError as exc:
        return str(exc)
    return "won"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_exactly_one_wins(clinician, reviewer, reviewer2):
    if connection.vendor != "postgresql":
        pytest.skip("threads need a server database; SQLite is covered by the stale-read test")
    item = make_escalated_case(clinician)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user) -> None:
        barrier.wait()
        try:
            escalation.claim(item.pk, user=user)
            outcomes.append("won")
        except EscalationError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (reviewer, reviewer2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1
    assert AuditEvent.objects.filter(action="escalation.claimed").count() == 1


@pytest.mark.django_db
def test_claim_page_shows_who_claimed_and_refuses_a_second_claim(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    response = login(reviewer).post(f"/escalations/{item.pk}/claim/", follow=True)
    assert "rev (you) since" in response.content.decode()
    response = login(reviewer2).post(f"/escalations/{item.pk}/claim/")
    assert response.status_code == 409
    assert escalation.ALREADY_CLAIMED.format(name="rev") in response.content.decode()


@pytest.mark.django_db
def test_only_the_holder_can_release_and_release_reopens(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    with pytest.raises(EscalationError, match=escalation.NOT_YOUR_CLAIM):
        escalation.release(item.pk, user=reviewer2)
    escalation.release(item.pk, user=reviewer)
    item.refresh_from_db()
    assert (item.status, item.claimed_by) == (EscalationStatus.OPEN, None)
    escalation.claim(item.pk, user=reviewer2)  # open again for anyone


@pytest.mark.django_db
def test_administrator_reassigns_a_claim_and_reviewers_cannot(
    clinician, reviewer, reviewer2, administrator
):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    with pytest.raises(EscalationError, match=escalation.NOT_AN_ADMINISTRATOR):
        escalation.reassign(item.pk, admin=reviewer2, to_username="rev2")
    with pytest.raises(EscalationError) as exc:
        escalation.reassign(item.pk, admin=administrator, to_username="clin")
    assert str(exc.value) == escalation.REASSIGN_TARGET_NOT_REVIEWER.format(name="clin")
    response = login(administrator).post(
        f"/escalations/{item.pk}/reassign/", {"to": "rev2"}, follow=True
    )
    assert "Reassigned to rev2." in response.content.decode()
    item.refresh_from_db()
    assert item.claimed_by == reviewer2
    event = AuditEvent.objects.get(action="escalation.reassigned")
    assert event.payload == {"from": "rev", "to": "rev2"}
    assert event.actor == administrator


@pytest.mark.parametrize("write", ["claim", "release", "sign_off", "correct", "co_sign"])
def test_every_write_passes_the_access_gate_itself(clinician, reviewer, write):
    # An evaluation case is an administrator's only: a reviewer calling a service directly
    # (no page or API check before it) is told it does not exist, and nothing changes.
    item = make_escalated_case(clinician)
    Case.objects.filter(pk=item.case_id).update(is_evaluation=True)
    before = snapshot(item)
    call: dict[str, Any] = {"user": reviewer}
    if write != "claim" and write != "release":
        call.update(password="pw-rev")
    if write in {"sign_off", "correct"}:
        call.update(rationale="Because.", icd10="J18.9")

    with pytest.raises(EscalationError) as exc:
        getattr(escalation, write)(item.pk, **call)

    assert str(exc.value) == escalation.NOT_FOUND.format(id=item.pk)
    assert exc.value.http_status == 404
    assert snapshot(item) == before


def test_reassign_passes_the_access_gate_itself(clinician, administrator):
    item = make_escalated_case(clinician)
    with pytest.raises(EscalationError) as exc:
        escalation.reassign(item.pk + 1000, admin=administrator, to_username="nobody")
    assert str(exc.value) == escalation.NOT_FOUND.format(id=item.pk + 1000)


# --- signing off -------------------------------------------------------------------------------


def _first(item: Escalation) -> int:
    assert item.deliberation is not None
    return item.deliberation.proposals.order_by("member_index").first().pk  # type: ignore[union-attr]


@pytest.mark.django_db
def test_signing_a_panel_proposal_resolves_the_case_as_human_decided(clinician, reviewer):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    signoff = escalation.sign_off(
        item.pk,
        user=reviewer,
        password="pw-rev",
        rationale="Lobar consolidation.",
        proposal_id=_first(item),
    )
    item.refresh_from_db()
    assert item.status == EscalationStatus.RESOLVED and item.resolved_at is not None
    assert item.case.status == CaseStatus.RESOLVED
    assert (signoff.diagnosis, signoff.icd10, signoff.overrides_panel) == (
        "Community-acquired pneumonia",
        "J18.9",
        False,
    )
    html = login(clinician).get(f"/escalations/cases/{item.case_id}/record/").content.decode()
    assert "Final diagnosis, decided by a human reviewer" in html
    assert "Community-acquired pneumonia" in html and "signed by rev" in html


@pytest.mark.django_db
def test_another_code_in_a_panel_class_is_not_an_override(clinician, reviewer):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    signoff = escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Patchy.", icd10="j180"
    )
    assert (signoff.icd10, signoff.overrides_panel) == ("J18.0", False)
    assert signoff.diagnosis == "Bronchopneumonia, unspecified organism"  # official name
    item.refresh_from_db()
    assert item.status == EscalationStatus.RESOLVED


BAD_INPUT = [
    ({"icd10": "XYZ"}, escalation.INVALID_ICD10.format(code="XYZ")),
    (
        {"icd10": "J18"},
        escalation.NOT_BILLABLE.format(code="J18", description="Pneumonia, unspecified organism"),
    ),
    ({"icd10": "J18.9", "rationale": "   "}, escalation.EMPTY_RATIONALE),
    ({"icd10": "J18.9", "password": "wrong"}, escalation.WRONG_PASSWORD),
    ({"icd10": "J18.9", "password": ""}, escalation.WRONG_PASSWORD),
    ({}, escalation.NO_DIAGNOSIS),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "message"), BAD_INPUT)
def test_bad_sign_off_is_refused_with_a_clear_message_and_changes_nothing(
    clinician, reviewer, fields, message
):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    before = snapshot(item)
    arguments: dict[str, Any] = {"password": "pw-rev", "rationale": "Because.", **fields}
    with pytest.raises(EscalationError) as exc:
        escalation.sign_off(item.pk, user=reviewer, **arguments)
    assert str(exc.value) == message
    assert snapshot(item) == before


@pytest.mark.django_db
def test_sign_off_on_someone_elses_claim_or_unclaimed_or_resolved_is_refused(
    clinician, reviewer, reviewer2
):
    item = make_escalated_case(clinician)
    sign: dict[str, Any] = {
        "password": "pw-rev2",
        "rationale": "Mine.",
        "proposal_id": _first(item),
    }
    with pytest.raises(EscalationError, match=escalation.NOT_CLAIMED):
        escalation.sign_off(item.pk, user=reviewer2, **sign)
    escalation.claim(item.pk, user=reviewer)
    before = snapshot(item)
    with pytest.raises(EscalationError) as exc:
        escalation.sign_off(item.pk, user=reviewer2, **sign)
    assert str(exc.value) == escalation.CLAIMED_BY_OTHER.format(name="rev")
    assert snapshot(item) == before
    escalation.sign_off(item.pk, user=reviewer, **{**sign, "password": "pw-rev"})
    with pytest.raises(EscalationError, match=escalation.ALREADY_RESOLVED):
        escalation.sign_off(item.pk, user=reviewer, **{**sign, "password": "pw-rev"})
    assert SignOff.objects.count() == 1


@pytest.mark.django_db
def test_sign_off_form_keeps_what_was_typed_but_never_the_password(clinician, reviewer):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    response = login(reviewer).post(
        f"/escalations/{item.pk}/sign/",
        {"choice": "other", "icd10": "J18.9", "rationale": "Consolidation.", "password": "nope"},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert escalation.WRONG_PASSWORD in html
    assert "Consolidation." in html and 'value="J18.9"' in html
    assert "nope" not in html
    assert SignOff.objects.count() == 0


@pytest.mark.django_db
def test_sign_off_through_the_page_needs_the_password(clinician, reviewer):
    item = make_escalated_case(clinician)
    client = login(reviewer)
    client.post(f"/escalations/{item.pk}/claim/")
    response = client.post(
        f"/escalations/{item.pk}/sign/",
        {"choice": str(_first(item)), "rationale": "Consolidation.", "password": "pw-rev"},
        follow=True,
    )
    assert "Signed. The case now shows your final diagnosis." in response.content.decode()
    assert Case.objects.get(pk=item.case_id).status == CaseStatus.RESOLVED


@pytest.mark.django_db
def test_icd10_lookup_shows_the_official_description_or_why_not(reviewer):
    client = login(reviewer)
    assert (
        "J18.9: Pneumonia, unspecified organism"
        in client.get("/escalations/icd10/?icd10=j189").content.decode()
    )
    assert escalation.INVALID_ICD10.format(code="Q99.99.9") in client.get(
        "/escalations/icd10/?icd10=Q99.99.9"
    ).content.decode().replace("&#x27;", "'")
    assert (
        "is a category, not a billable code"
        in client.get("/escalations/icd10/?icd10=J18").content.decode()
    )


# --- co-signature ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overriding_every_proposal_waits_for_a_second_reviewers_co_signature(
    clinician, reviewer, reviewer2
):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    signoff = escalation.sign_off(
        item.pk,
        user=reviewer,
        password="pw-rev",
        rationale="Classic appendicitis.",
        icd10="K35.80",
    )
    assert signoff.overrides_panel
    item.refresh_from_db()
    assert item.status == EscalationStatus.AWAITING_COSIGN
    assert item.case.status == CaseStatus.AWAITING_COSIGN
    record = login(clinician).get(f"/escalations/cases/{item.case_id}/record/").content.decode()
    assert "Awaiting co-signature:" in record and "decided by a human reviewer" not in record

    before = snapshot(item)
    with pytest.raises(EscalationError, match=escalation.COSIGN_BY_SIGNER):
        escalation.co_sign(item.pk, user=reviewer, password="pw-rev")
    with pytest.raises(EscalationError, match=escalation.WRONG_PASSWORD):
        escalation.co_sign(item.pk, user=reviewer2, password="pw-rev")
    assert snapshot(item) == before

    escalation.co_sign(item.pk, user=reviewer2, password="pw-rev2", note="Agree.")
    item.refresh_from_db()
    assert item.status == EscalationStatus.RESOLVED
    assert item.case.status == CaseStatus.RESOLVED
    record = login(clinician).get(f"/escalations/cases/{item.case_id}/record/").content.decode()
    assert "decided by a human reviewer" in record and "co-signed by rev2" in record
    with pytest.raises(EscalationError, match=escalation.NOTHING_TO_COSIGN):
        escalation.co_sign(item.pk, user=reviewer2, password="pw-rev2")


def test_allowed_actions_are_what_the_detail_page_offers(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    item.refresh_from_db()
    assert escalation.allowed_actions(item, reviewer) == escalation.Actions(
        sign=True, cosign=False, correct=False
    )
    assert escalation.allowed_actions(item, reviewer2) == escalation.Actions(
        sign=False, cosign=False, correct=False
    )
    escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Appendicitis.", icd10="K35.80"
    )
    item.refresh_from_db()
    # The signer may correct but not co-sign; a second reviewer may do both.
    assert escalation.allowed_actions(item, reviewer) == escalation.Actions(
        sign=False, cosign=False, correct=True
    )
    assert escalation.allowed_actions(item, reviewer2) == escalation.Actions(
        sign=False, cosign=True, correct=True
    )
    signer_page = login(reviewer).get(f"/escalations/{item.pk}/").content.decode()
    second_page = login(reviewer2).get(f"/escalations/{item.pk}/").content.decode()
    assert 'aria-labelledby="cosign-heading"' not in signer_page
    assert 'aria-labelledby="cosign-heading"' in second_page


@pytest.mark.django_db
def test_co_sign_page_refuses_the_first_signer(clinician, reviewer):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Override.", icd10="K35.80"
    )
    response = login(reviewer).post(f"/escalations/{item.pk}/cosign/", {"password": "pw-rev"})
    assert response.status_code == 403
    assert escalation.COSIGN_BY_SIGNER in response.content.decode()
    assert CoSignature.objects.count() == 0


# --- corrections and the append-only rule ------------------------------------------------------


@pytest.mark.django_db
def test_a_correction_supersedes_and_the_history_shows_both(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    first = escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Pneumonia.", proposal_id=_first(item)
    )
    with pytest.raises(EscalationError, match=escalation.EMPTY_RATIONALE):
        escalation.correct(
            item.pk, user=reviewer2, password="pw-rev2", rationale="", icd10="I26.99"
        )
    second = escalation.correct(
        item.pk, user=reviewer2, password="pw-rev2", rationale="CT angiogram: PE.", icd10="I26.99"
    )
    assert second.supersedes == first
    first.refresh_from_db()
    assert (first.diagnosis, first.rationale) == ("Community-acquired pneumonia", "Pneumonia.")
    assert escalation.current_signoff(item) == second
    html = login(clinician).get(f"/escalations/cases/{item.case_id}/record/").content.decode()
    assert "Superseded" in html and "In force" in html
    assert "Pneumonia." in html and "CT angiogram: PE." in html
    assert f"correcting sign-off {first.pk}" in html


@pytest.mark.django_db
def test_sign_offs_and_co_signatures_refuse_updates_and_deletes(clinician, reviewer, reviewer2):
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    signoff = escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Override.", icd10="K35.80"
    )
    cosignature = escalation.co_sign(item.pk, user=reviewer2, password="pw-rev2")
    signoff.rationale = "Rewritten history."
    with pytest.raises(AppendOnlyError), transaction.atomic():
        signoff.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        SignOff.objects.filter(pk=signoff.pk).update(rationale="Rewritten.")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        SignOff.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        signoff.delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        CoSignature.objects.update(note="x")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        cosignature.delete()
    signoff.refresh_from_db()
    assert signoff.rationale == "Override."
    assert SignOff.objects.count() == 1 and CoSignature.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_cannot_change_or_delete_a_sign_off(clinician, reviewer):
    from django.contrib.auth.models import User

    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    signoff = escalation.sign_off(
        item.pk, user=reviewer, password="pw-rev", rationale="Ok.", proposal_id=_first(item)
    )
    root = User.objects.create_superuser("root", password="pw-root")
    client = login(root)
    url = f"/admin/cases/signoff/{signoff.pk}/"
    assert client.post(url + "change/", {"rationale": "Edited"}).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    signoff.refresh_from_db()
    assert signoff.rationale == "Ok."


# --- the clinician's acknowledgement -------------------------------------------------------------


@pytest.mark.django_db
def test_clinician_accepts_a_consensus_once(clinician):
    case = make_consensus_case(clinician)
    response = login(clinician).post(
        f"/escalations/cases/{case.pk}/acknowledge/", {"decision": "accept"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    assert AuditEvent.objects.filter(action="case.accepted", object_id=str(case.pk)).exists()
    with pytest.raises(EscalationError, match="already accepted"):
        escalation.acknowledge(case.pk, user=clinician, decision="dispute", comment="Hm.")
    assert not Escalation.objects.exists()


@pytest.mark.django_db
def test_disputing_a_consensus_sends_the_case_to_the_queue(clinician, other_clinician, reviewer):
    case = make_consensus_case(clinician)
    with pytest.raises(EscalationError, match=escalation.NOT_SUBMITTER):
        escalation.acknowledge(case.pk, user=other_clinician, decision="dispute", comment="No.")
    with pytest.raises(EscalationError, match=escalation.DISPUTE_NEEDS_COMMENT):
        escalation.acknowledge(case.pk, user=clinician, decision="dispute", comment=" ")
    escalation.acknowledge(case.pk, user=clinician, decision="dispute", comment="Sats are 84%.")
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    item = escalation.queue(reviewer).get()
    assert (item.case, item.reason) == (case, "disputed")
    assert "Disputed by the clinician" in login(reviewer).get("/escalations/").content.decode()


@pytest.mark.django_db
def test_case_record_offers_accept_and_dispute_only_to_the_submitter(clinician, reviewer):
    case = make_consensus_case(clinician)
    url = f"/escalations/cases/{case.pk}/record/"
    assert "Dispute: send to human review" in login(clinician).get(url).content.decode()
    assert "Dispute: send to human review" not in login(reviewer).get(url).content.decode()


@pytest.mark.django_db
def test_another_clinicians_case_record_is_not_found(clinician, other_clinician):
    item = make_escalated_case(clinician)
    assert (
        login(other_clinician).get(f"/escalations/cases/{item.case_id}/record/").status_code == 404
    )


# --- live arrivals ----------------------------------------------------------------------


@pytest.mark.django_db
def test_new_escalation_is_announced_to_the_queue_group_on_commit(
    clinician, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(escalation.GROUP, channel)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        item = make_escalated_case(clinician, text="Crushing chest pain radiating to the jaw.")
    assert len(callbacks) == 2  # the announcement and the audit trail's checkpoint
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "escalation.created"
    payload = message["escalation"]
    assert (payload["id"], payload["reason"], payload["url"]) == (
        item.pk,
        "no_supermajority",
        f"/escalations/{item.pk}/",
    )
    assert payload["summary"] == "Crushing chest pain radiating to the jaw."
    assert "Pulmonary embolism (I26.99): 2 votes" in payload["candidates"]


@pytest.mark.django_db(transaction=True)
async def test_queue_socket_forwards_new_escalations_to_reviewers_only(clinician, reviewer):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from consensus_site.asgi import application

    def cookie_for(user) -> bytes:
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    async def connect(user) -> tuple[WebsocketCommunicator, bool]:
        cookie = await database_sync_to_async(cookie_for)(user)
        communicator = WebsocketCommunicator(
            application,
            "/ws/escalations/",
            headers=[
                (b"origin", b"http://localhost"),
                (b"host", b"localhost"),
                (b"cookie", cookie),
            ],
        )
        connected, _ = await communicator.connect()
        return communicator, connected

    refused, ok = await connect(clinician)
    assert not ok
    communicator, ok = await connect(reviewer)
    assert ok
    item = await database_sync_to_async(make_escalated_case)(clinician)
    message = await communicator.receive_json_from(timeout=5)
    assert (message["type"], message["id"]) == ("escalation.created", item.pk)
    await communicator.disconnect()


def test_the_queue_ranks_without_the_offline_panels_data(db, settings, tmp_path, caplog):
    settings.DDXPLUS_DIR = tmp_path / "missing"

    assert escalation.severity_of("J18.9") is None
    assert "DDXPLUS_DIR" in caplog.text


@pytest.mark.django_db
def test_an_abstention_is_no_candidate_on_the_queue(clinician, reviewer):
    # Two members abstain (their proposals name nothing), two propose PE, one bronchitis.
    esc = make_escalated_case(clinician, reason="insufficient_information", votes=[])
    assert esc.deliberation is not None
    esc.deliberation.proposals.filter(member_index__in=(0, 1)).update(
        abstained=True, diagnosis="", icd10="", class_key="", confidence=None
    )

    found = escalation.candidates(esc.deliberation)

    assert [(c.diagnosis, c.proposals) for c in found] == [
        ("Pulmonary embolism", 2),
        ("Acute bronchitis", 1),
    ]
    page = login(reviewer).get("/escalations/").content.decode()
    assert "Pulmonary embolism (I26.99): 0 votes, 2 proposals<" in page
    assert "<li>:" not in page  # no nameless line for the abstentions
