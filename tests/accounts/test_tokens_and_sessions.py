"""API tokens expire, are revoked (command, admin, own page, password change); sessions end
when idle, at their absolute lifetime, and everywhere on request."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import sessions
from cases import tokens
from cases.models import ApiToken, AuditEvent


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_token_has_a_name_an_expiry_and_a_last_used_time(client, clinician, settings):
    settings.API_TOKEN_DAYS = 30
    row, plaintext = tokens.create(clinician, name="laptop")
    assert row.expires_at is not None
    assert row.expires_at.date() == (row.created_at + timedelta(days=30)).date()
    assert client.get("/api/cases", headers=bearer(plaintext)).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert AuditEvent.objects.filter(action="token.created", object_id=str(row.pk)).exists()


@pytest.mark.django_db
def test_an_expired_token_is_refused_and_audited(client, clinician):
    row, plaintext = tokens.create(clinician, name="old")
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    assert client.get("/api/cases", headers=bearer(plaintext)).status_code == 401
    refused = AuditEvent.objects.get(action="token.refused")
    assert refused.payload["reason"] == "expired"


@pytest.mark.django_db
def test_the_command_lists_and_revokes_a_token(client, clinician):
    row, plaintext = tokens.create(clinician, name="ci")
    out = io.StringIO()
    call_command("create_api_token", "clin", "--list", stdout=out)
    assert f"{row.prefix}  ci  active" in out.getvalue()
    call_command("create_api_token", "clin", "--revoke", row.prefix, stdout=io.StringIO())
    assert client.get("/api/cases", headers=bearer(plaintext)).status_code == 401
    assert AuditEvent.objects.get(action="token.revoked").payload["reason"] == "command"


@pytest.mark.django_db
def test_a_user_revokes_their_own_token_but_not_anothers(client, clinician, other_clinician):
    mine, plaintext = tokens.create(clinician, name="mine")
    theirs, their_plaintext = tokens.create(other_clinician, name="theirs")
    page = signed_in(clinician)
    assert "mine" in page.get("/accounts/security/").content.decode()
    assert page.post(f"/accounts/security/tokens/{theirs.pk}/revoke/").status_code == 404
    assert page.post(f"/accounts/security/tokens/{mine.pk}/revoke/").status_code == 302
    assert client.get("/api/cases", headers=bearer(plaintext)).status_code == 401
    assert client.get("/api/cases", headers=bearer(their_plaintext)).status_code == 200


@pytest.mark.django_db
def test_an_administrator_revokes_tokens_in_the_admin(client, clinician):
    root = User.objects.create_superuser("root", password="pw-root-long-enough")
    row, plaintext = tokens.create(clinician, name="ci")
    response = signed_in(root).post(
        "/admin/cases/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert client.get("/api/cases", headers=bearer(plaintext)).status_code == 401
    assert AuditEvent.objects.get(action="token.revoked").actor == root


@pytest.mark.django_db
def test_changing_the_password_revokes_every_token(client, clinician):
    _, first = tokens.create(clinician, name="a")
    _, second = tokens.create(clinician, name="b")
    page = signed_in(clinician)
    response = page.post(
        "/accounts/password_change/",
        {
            "old_password": "pw-clin",
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    for token in (first, second):
        assert client.get("/api/cases", headers=bearer(token)).status_code == 401
    revoked = AuditEvent.objects.filter(action="token.revoked")
    assert [e.payload["reason"] for e in revoked] == ["password changed"] * 2


@pytest.mark.django_db
def test_log_out_everywhere_ends_every_session_of_the_user(clinician, other_clinician):
    laptop, phone, other = signed_in(clinician), signed_in(clinician), signed_in(other_clinician)
    assert laptop.get("/cases/").status_code == 200
    response = phone.post("/accounts/security/logout-everywhere/")
    assert response.status_code == 302
    assert laptop.get("/cases/").status_code == 302  # back to the login page
    assert phone.get("/cases/").status_code == 302
    assert other.get("/cases/").status_code == 200
    event = AuditEvent.objects.get(action="auth.logout_everywhere")
    assert event.payload["sessions"] == 2 and event.actor == clinician


@pytest.mark.django_db
def test_an_administrator_logs_a_user_out_everywhere(clinician):
    root = User.objects.create_superuser("root", password="pw-root-long-enough")
    laptop = signed_in(clinician)
    response = signed_in(root).post(
        "/admin/auth/user/", {"action": "logout_everywhere", "_selected_action": [clinician.pk]}
    )
    assert response.status_code == 302
    assert laptop.get("/cases/").status_code == 302
    assert AuditEvent.objects.get(action="auth.logout_everywhere").actor == root


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("started_ago", "seen_ago", "message"),
    [
        (60, 31 * 60, "without activity"),
        (12 * 3600 + 1, 1, "12-hour limit"),
    ],
)
def test_an_idle_or_too_old_session_is_signed_out(
    clinician, settings, started_ago, seen_ago, message
):
    settings.SESSION_IDLE_MINUTES = 30
    settings.SESSION_ABSOLUTE_MINUTES = 12 * 60
    client = signed_in(clinician)
    assert client.get("/cases/").status_code == 200
    session = client.session
    now = time.time()
    session[sessions.STARTED] = now - started_ago
    session[sessions.SEEN] = now - seen_ago
    session.save()
    response = client.get("/cases/", follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert message in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.session_expired").count() == 1
