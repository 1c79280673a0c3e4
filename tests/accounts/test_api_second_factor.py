"""Signing through the API with a bearer token needs the second factor, as the pages do: an
``otp_code`` checked with django-otp before the password, audited, and counted toward the
same lockout as wrong passwords."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout, two_factor
from cases import escalation, tokens
from cases.models import AuditEvent, CoSignature, Escalation, SignOff
from consensus_site.api import api
from tests.accounts.test_two_factor import code_for
from tests.cases.escalation_fixtures import make_escalated_case


@pytest.fixture(autouse=True)
def _required(settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own retry delay; the lockout is ours


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.create(user, name='script')[1]}"}


def post(url: str, body: dict[str, Any], auth: dict[str, Any]):
    client = Client(enforce_csrf_checks=True)
    return client.post(url, json.dumps(body), content_type="application/json", **auth)


def claimed(clinician, reviewer) -> Escalation:
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    return item


SIGN = {"password": "pw-rev", "rationale": "Consolidation on the film.", "icd10": "J18.9"}


@pytest.mark.django_db
def test_a_token_sign_off_without_the_code_is_refused_and_audited(clinician, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    item = claimed(clinician, reviewer)
    auth = bearer(reviewer)
    url = f"/api/escalations/{item.pk}/signoff/"
    missing = post(url, SIGN, auth)
    assert (missing.status_code, missing.json()) == (403, {"detail": two_factor.CODE_REQUIRED})
    wrong = post(url, {**SIGN, "otp_code": "000000"}, auth)
    assert (wrong.status_code, wrong.json()) == (403, {"detail": two_factor.WRONG_CODE})
    assert not SignOff.objects.exists()
    failed = AuditEvent.objects.filter(action="auth.2fa_failed", actor=reviewer)
    assert [e.payload["reason"] for e in failed.order_by("seq")] == ["missing", "wrong"]
    assert AuditEvent.objects.filter(action="access.denied").count() == 2
    done = post(url, {**SIGN, "otp_code": code_for(device)}, auth)
    assert done.status_code == 201 and done.json()["signer"] == "rev"


@pytest.mark.django_db
def test_without_the_code_the_token_is_no_oracle_for_the_password(clinician, reviewer):
    TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    item = claimed(clinician, reviewer)
    auth = bearer(reviewer)
    url = f"/api/escalations/{item.pk}/signoff/"
    right = post(url, SIGN, auth)
    wrong = post(url, {**SIGN, "password": "not-the-password"}, auth)
    assert right.json() == wrong.json() == {"detail": two_factor.CODE_REQUIRED}
    assert not AuditEvent.objects.filter(action="auth.password_failed").exists()


@pytest.mark.django_db
def test_missing_and_wrong_codes_lock_the_account_like_wrong_passwords(
    clinician, reviewer, settings
):
    settings.AUTH_LOCKOUT_FAILURES = 3
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    item = claimed(clinician, reviewer)
    auth = bearer(reviewer)
    url = f"/api/escalations/{item.pk}/signoff/"
    for code in ("", "111111", "222222"):
        answer = post(url, {**SIGN, "otp_code": code}, auth)
    assert answer.status_code == 403
    assert "this account is locked until" in answer.json()["detail"]
    right = post(url, {**SIGN, "otp_code": code_for(device)}, auth)
    assert right.status_code == 403 and "locked until" in right.json()["detail"]
    assert lockout.locked_until("rev") is not None  # the login page is locked too
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1
    assert not SignOff.objects.exists()


@pytest.mark.django_db
def test_a_reviewer_without_an_authenticator_must_enrol_before_signing(clinician, reviewer):
    item = claimed(clinician, reviewer)
    answer = post(f"/api/escalations/{item.pk}/signoff/", SIGN, bearer(reviewer))
    assert (answer.status_code, answer.json()) == (403, {"detail": two_factor.NOT_ENROLLED})
    assert not SignOff.objects.exists()
    assert lockout.locked_until("rev") is None


@pytest.mark.django_db
def test_corrections_and_co_signatures_need_the_code_too(clinician, reviewer, reviewer2):
    first = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    second = TOTPDevice.objects.create(user=reviewer2, name="phone", confirmed=True)
    item = claimed(clinician, reviewer)
    auth = bearer(reviewer)
    override = {**SIGN, "icd10": "K35.80", "otp_code": code_for(first)}
    signed = post(f"/api/escalations/{item.pk}/signoff/", override, auth)
    assert signed.json()["escalation_status"] == "awaiting_cosign"
    cosign_url = f"/api/escalations/{item.pk}/cosign/"
    refused = post(cosign_url, {"password": "pw-rev2"}, bearer(reviewer2))
    assert (refused.status_code, refused.json()["detail"]) == (403, two_factor.CODE_REQUIRED)
    assert not CoSignature.objects.exists()
    body = {"password": "pw-rev2", "otp_code": code_for(second)}
    assert post(cosign_url, body, bearer(reviewer2)).status_code == 201
    correction_url = f"/api/escalations/{item.pk}/correction/"
    refused = post(correction_url, {**SIGN, "icd10": "I26.99"}, auth)
    assert (refused.status_code, refused.json()["detail"]) == (403, two_factor.CODE_REQUIRED)
    fixed = post(
        correction_url, {**SIGN, "icd10": "I26.99", "otp_code": code_for(first, offset=1)}, auth
    )
    assert fixed.status_code == 201 and SignOff.objects.count() == 2


@pytest.mark.django_db
def test_the_schema_documents_the_code_and_the_refusal():
    schema = api.get_openapi_schema(path_prefix="/api/")
    fields = schema["components"]["schemas"]
    assert "otp_code" in fields["SignOffIn"]["properties"]
    assert "otp_code" in fields["CoSignIn"]["properties"]
    for path in ("signoff", "correction", "cosign"):
        operation = schema["paths"][f"/api/escalations/{{escalation_id}}/{path}/"]["post"]
        assert "otp_code" in operation["responses"]["403"]["description"]
