"""Wrong passwords lock the account on the login page, the admin login and the sign-off
password (one counter per username), with a clear message and an audit event each."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts import lockout
from accounts.models import LoginThrottle
from cases import escalation
from cases.models import AuditEvent
from tests.cases.escalation_fixtures import make_escalated_case


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def login_post(client: Client, path: str, username: str, password: str):
    return client.post(path, {"username": username, "password": password})


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.AUTH_LOCKOUT_FAILURES = 5
    settings.AUTH_LOCKOUT_MINUTES = 15


@pytest.mark.django_db
def test_the_fifth_wrong_password_locks_the_login_even_for_the_right_password(client, clinician):
    for _ in range(4):
        assert login_post(client, "/accounts/login/", "clin", "wrong").status_code == 200
    assert "_auth_user_id" not in client.session
    # Still below the threshold: the right password works and clears the count.
    login_post(client, "/accounts/login/", "clin", "pw-clin")
    assert client.session["_auth_user_id"] == str(clinician.pk)
    client.logout()
    for _ in range(5):
        login_post(client, "/accounts/login/", "clin", "wrong")
    response = login_post(client, "/accounts/login/", "clin", "pw-clin")
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Too many wrong passwords: this account is locked until" in html
    assert actions()[-7:] == [
        "auth.login_failed",
        "auth.login_failed",
        "auth.login_failed",
        "auth.login_failed",
        "auth.login_failed",
        "auth.locked_out",
        "auth.refused_locked",
    ]
    locked = AuditEvent.objects.get(action="auth.locked_out")
    assert locked.payload["username"] == "clin" and locked.payload["failures"] == 5


@pytest.mark.django_db
def test_the_admin_login_shares_the_lockout(client):
    User.objects.create_superuser("root", password="pw-root-long-enough")
    for _ in range(5):
        login_post(client, "/admin/login/", "root", "wrong")
    response = login_post(client, "/admin/login/", "root", "pw-root-long-enough")
    assert "_auth_user_id" not in client.session
    assert "this account is locked until" in response.content.decode()
    assert "auth.locked_out" in actions()


@pytest.mark.django_db
def test_the_lock_ends_after_its_time(client, clinician):
    for _ in range(5):
        login_post(client, "/accounts/login/", "clin", "wrong")
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    login_post(client, "/accounts/login/", "clin", "pw-clin")
    assert client.session["_auth_user_id"] == str(clinician.pk)
    assert not LoginThrottle.objects.exists()


@pytest.mark.django_db
def test_wrong_sign_off_passwords_through_the_api_lock_the_account(clinician, reviewer):
    """The sign-off endpoint is no password oracle: after five wrong passwords even the
    right one is refused, and every failure is in the audit trail."""
    from cases import tokens

    item = make_escalated_case(clinician)
    escalation.claim(item.pk, user=reviewer)
    token = tokens.create(reviewer, name="script")[1]
    client = Client()

    def sign(password: str):
        return client.post(
            f"/api/escalations/{item.pk}/signoff/",
            json.dumps({"password": password, "rationale": "R.", "icd10": "J18.9"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    answers = [sign("wrong").json()["detail"] for _ in range(5)]
    assert answers[:4] == [escalation.WRONG_PASSWORD] * 4
    assert answers[4] == escalation.LOCKED_OUT
    right = sign("pw-rev")
    assert right.status_code == 403 and right.json()["detail"] == escalation.LOCKED_OUT
    item.refresh_from_db()
    assert item.status == "claimed"
    assert actions().count("auth.password_failed") == 5
    assert actions().count("auth.locked_out") == 1
    assert actions()[-2:] == ["auth.refused_locked", "access.denied"]
    # ...and the same lock holds on the login page.
    login_post(Client(), "/accounts/login/", "rev", "pw-rev")
    assert lockout.locked_until("rev") is not None


@pytest.mark.django_db
def test_an_administrator_unlocks_an_account_in_the_admin(clinician):
    root = User.objects.create_superuser("root", password="pw-root-long-enough")
    for _ in range(5):
        login_post(Client(), "/accounts/login/", "clin", "wrong")
    admin = Client()
    admin.force_login(root)
    row = LoginThrottle.objects.get()
    response = admin.post(f"/admin/accounts/loginthrottle/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert lockout.locked_until("clin") is None
    unlocked = AuditEvent.objects.get(action="auth.unlocked")
    assert unlocked.actor == root and unlocked.object_id == "clin"


def test_passwords_need_twelve_characters(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Tr0ub4dor&3")
    validate_password("correct horse battery")
