"""Reviewers and administrators verify each session with a TOTP code before any page, the
sign-off or the admin; clinicians do not. Enrolment shows a server-drawn QR code."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from cases import escalation
from cases.models import AuditEvent
from tests.cases.escalation_fixtures import make_escalated_case


@pytest.fixture(autouse=True)
def _required(settings):
    settings.OTP_REQUIRED = True
    # django-otp also delays retries after a wrong code (1 s, 2 s, ...); these tests retry
    # at once, and the lockout is tested on its own.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def password_login(user: User, password: str) -> Client:
    client = Client()
    assert client.login(username=user.username, password=password)
    return client


@pytest.mark.django_db
def test_a_reviewer_without_a_device_is_sent_to_enrol_and_then_reaches_the_queue(reviewer):
    client = password_login(reviewer, "pw-rev")
    response = client.get("/escalations/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/setup/?next=%2Fescalations%2F"
    page = client.get(response["Location"])
    assert "Set up your second factor" in page.content.decode()
    qr = client.get("/accounts/2fa/setup/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    wrong = client.post("/accounts/2fa/setup/", {"code": "000000", "next": "/escalations/"})
    assert two_factor.WRONG_CODE in wrong.content.decode()
    done = client.post("/accounts/2fa/setup/", {"code": code_for(device), "next": "/escalations/"})
    assert done["Location"] == "/escalations/"
    assert client.get("/escalations/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_enrolled", actor=reviewer).exists()


@pytest.mark.django_db
def test_each_new_session_must_verify_and_wrong_codes_are_audited(reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    client = password_login(reviewer, "pw-rev")
    assert client.get("/cases/")["Location"].startswith("/accounts/2fa/verify/")
    bad = client.post("/accounts/2fa/verify/", {"code": "123456"})
    assert two_factor.WRONG_CODE in bad.content.decode()
    assert AuditEvent.objects.filter(action="auth.2fa_failed").count() == 1
    client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert client.get("/cases/").status_code == 200


@pytest.mark.django_db
def test_sign_off_through_the_session_api_needs_a_verified_session(clinician, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    client = password_login(reviewer, "pw-rev")
    body = json.dumps({"password": "pw-rev", "rationale": "R.", "icd10": "J18.9"})
    url = f"/api/escalations/{item.pk}/signoff/"
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == two_factor.SECOND_FACTOR_REQUIRED
    client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    csrf_free = client.post(url, body, content_type="application/json")
    assert csrf_free.status_code == 201


@pytest.mark.django_db
def test_the_admin_needs_the_second_factor():
    root = User.objects.create_superuser("root", password="pw-root-long-enough")
    client = password_login(root, "pw-root-long-enough")
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/setup/")


@pytest.mark.django_db
def test_a_clinician_needs_no_second_factor(clinician):
    assert password_login(clinician, "pw-clin").get("/cases/").status_code == 200


@pytest.mark.django_db
def test_demo_devices_let_the_demo_reviewer_through(client):
    User.objects.create_user("reviewer", password="reviewer-demo")
    out = io.StringIO()
    call_command("demo_2fa", stdout=out)
    call_command("demo_2fa", stdout=io.StringIO())  # safe to run again
    assert "reviewer: authenticator key" in out.getvalue()
    assert TOTPDevice.objects.count() == 1
    code = io.StringIO()
    call_command("totp_code", "reviewer", stdout=code)
    assert code.getvalue().strip() == code_for(TOTPDevice.objects.get())


@pytest.mark.django_db
def test_guessing_codes_locks_the_account(reviewer, settings):
    settings.AUTH_LOCKOUT_FAILURES = 5
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    client = password_login(reviewer, "pw-rev")
    for _ in range(5):
        answer = client.post("/accounts/2fa/verify/", {"code": "000000"})
    assert "this account is locked until" in answer.content.decode()
    client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert client.get("/cases/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1
