"""API keys never leak: a planted key, entered through the admin, is searched for in every
page, log record, event, audit entry and a full database dump after the app has used it and
failed with it. And rotation: rotate_credentials re-encrypts every key with the newest one."""

from __future__ import annotations

import base64
import json
import logging
import socket
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from cases import deliberation
from cases.models import AuditEvent, DeliberationEvent, Role, TurnStatus
from panels.models import ProviderCredential
from tests.factories import make_panel

CORE = "7d1e0b5a2c4f8e6a"  # the random-looking middle: found even in a partly masked copy
PLANTED = f"sk-PLANTED-{CORE}-9f3c"
CASE = (
    "A 67-year-old man with 3 days of fever, productive cough with rusty sputum, pleuritic "
    "chest pain and shortness of breath. Crackles at the right lung base."
)


def needles(secret: str) -> list[str]:
    """The secret as it could leak: plain, its random-looking middle (a partly masked copy),
    and base64 of it (standard and URL-safe, with and without padding)."""
    raw = secret.encode()
    encoded = [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]
    return [secret, CORE, *encoded, *(e.rstrip("=") for e in encoded)]


def leaks(text: str, secret: str = PLANTED) -> list[str]:
    return [needle for needle in needles(secret) if needle in text]


def refused_port() -> int:
    """A local port nothing listens on: calls to it fail at once with "connection refused"."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fernet_keys(settings) -> list[str]:
    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    return list(settings.CREDENTIAL_KEYS)


@pytest.fixture
def admin_user(db) -> User:
    user = User.objects.create_superuser("root", password="pw-root")
    user.groups.add(Group.objects.get_or_create(name=Role.ADMINISTRATOR)[0])
    return user


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every logger at DEBUG, including those configured with their own level."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.django_db(transaction=True)
def test_a_planted_api_key_appears_in_no_page_log_event_audit_entry_or_dump(
    fernet_keys, admin_user, debug_logs, capsys, kb
):
    client = Client()
    client.force_login(admin_user)
    bodies: dict[str, str] = {}

    def visit(url: str, response_ok: tuple[int, ...] = (200,)) -> None:
        response = client.get(url)
        assert response.status_code in response_ok, (url, response.status_code)
        bodies[f"GET {url}"] = response.content.decode()

    # Enter the key the way an administrator does.
    response = client.post(
        "/admin/panels/providercredential/add/",
        {"name": "openai-main", "vendor": "openai", "api_key": PLANTED},
    )
    assert response.status_code == 302
    bodies["POST credential add"] = response.content.decode()
    credential = ProviderCredential.objects.get()
    assert credential.reveal() == PLANTED and credential.last4 == "9f3c"
    assert PLANTED.encode() not in bytes(credential.encrypted_key)

    # A panel whose one vendor member uses it against an endpoint that refuses connections.
    base_url = f"http://127.0.0.1:{refused_port()}/v1"
    panel = make_panel(
        "leaky",
        [
            {
                "provider": "openai",
                "model_name": "gpt-test",
                "base_url": base_url,
                "credential": credential,
                "options": {"max_retries": 0},
            },
            {"provider": "builtin", "options": {"seed": 1}},
            {"provider": "builtin", "options": {"seed": 2}},
        ],
        n=3,
        q=2,
        f=1,
    )
    created = deliberation.create(CASE, panel=panel, submitted_by_id=admin_user.pk)
    async_to_sync(deliberation.run)(created.pk)
    created.refresh_from_db()
    vendor_turn = created.proposals.get(member_index=0)
    assert vendor_turn.status != TurnStatus.OK
    assert "127.0.0.1" in vendor_turn.error  # it failed for the reason we arranged

    # "Test connection" from both admin lists: both fail.
    for url, pk in [
        ("/admin/panels/providercredential/", credential.pk),
        ("/admin/panels/panel/", panel.pk),
    ]:
        response = client.post(
            url, {"action": "test_connection", "_selected_action": [pk]}, follow=True
        )
        body = response.content.decode()
        assert "FAILED" in body
        bodies[f"POST {url} test_connection"] = body

    case_id = created.case_id
    for url in [
        "/admin/panels/providercredential/",
        f"/admin/panels/providercredential/{credential.pk}/change/",
        f"/admin/panels/providercredential/{credential.pk}/history/",
        f"/admin/panels/providercredential/{credential.pk}/delete/",
        "/admin/panels/panel/",
        f"/admin/panels/panel/{panel.pk}/change/",
        "/admin/cases/proposal/",
        "/admin/cases/deliberationevent/",
        "/admin/cases/auditevent/",
        "/admin/",
        "/cases/",
        "/cases/new/",
        f"/cases/{case_id}/",
        "/api/cases",
        f"/api/cases/{case_id}",
        f"/api/deliberations/{created.pk}",
        "/audit/",
    ]:
        visit(url)
    bodies["GET /audit/export.jsonl"] = b"".join(
        client.get("/audit/export.jsonl").streaming_content  # type: ignore[attr-defined]
    ).decode()
    assert "…9f3c" in bodies[f"GET /admin/panels/providercredential/{credential.pk}/change/"]

    # Rotating the key in the admin does not leak the old or the new one either.
    response = client.post(
        f"/admin/panels/providercredential/{credential.pk}/change/",
        {"name": "openai-main", "vendor": "openai", "api_key": PLANTED + "-v2"},
        follow=True,
    )
    bodies["POST credential rotate"] = response.content.decode()

    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    captured = capsys.readouterr()
    log_lines = [debug_logs.text] + [
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in debug_logs.records
    ]
    event_payloads = [json.dumps(p) for p in DeliberationEvent.objects.values_list("payload")]
    audit_payloads = [json.dumps(p) for p in AuditEvent.objects.values_list("payload")]

    assert len(bodies) > 20 and debug_logs.records and event_payloads and audit_payloads
    assert '"model": "panels.providercredential"' in dump.getvalue()  # the row is dumped
    found = {
        where: hits
        for where, text in [
            *bodies.items(),
            ("logs", "\n".join(log_lines)),
            ("stdout/stderr", captured.out + captured.err),
            ("deliberation events", "\n".join(event_payloads)),
            ("audit events", "\n".join(audit_payloads)),
            ("dumpdata", dump.getvalue()),
        ]
        if (hits := leaks(text) + leaks(text, PLANTED + "-v2"))
    }
    assert found == {}


def test_the_needles_would_find_the_key(fernet_keys):
    # The search above must be able to fail: each form of the key is detected.
    raw = PLANTED.encode()
    for text in [
        f"Authorization: Bearer {PLANTED}",
        f"Incorrect API key provided: sk-****{CORE}****",
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ]:
        assert leaks(text), text
    assert leaks("…9f3c and gAAAAAB-ciphertext") == []


@pytest.mark.django_db
def test_the_credential_form_never_renders_the_key_back(fernet_keys, admin_user):
    client = Client()
    client.force_login(admin_user)
    client.post(
        "/admin/panels/providercredential/add/",
        {"name": "main", "vendor": "openai", "api_key": PLANTED},
    )
    credential = ProviderCredential.objects.get()
    # A refused edit re-renders the form with errors: the typed key is not put back either.
    response = client.post(
        f"/admin/panels/providercredential/{credential.pk}/change/",
        {"name": "", "vendor": "openai", "api_key": PLANTED},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    html = response.content.decode()
    assert leaks(html) == []
    assert "…9f3c" in html


@pytest.mark.django_db
def test_rotate_credentials_reencrypts_every_key_with_the_newest_key(settings):
    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [old]
    for name, key in [("a", PLANTED), ("b", "sk-other-key-000111")]:
        credential = ProviderCredential(name=name, vendor="openai")
        credential.set_key(key)
        credential.save()
    rotated_at = dict(ProviderCredential.objects.values_list("name", "rotated_at"))

    settings.CREDENTIAL_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_credentials", stdout=out)
    assert "Re-encrypted 2 credentials" in out.getvalue()

    settings.CREDENTIAL_KEYS = [new]
    keys = {c.name: c.reveal() for c in ProviderCredential.objects.all()}
    assert keys == {"a": PLANTED, "b": "sk-other-key-000111"}
    settings.CREDENTIAL_KEYS = [old]
    with pytest.raises(ValidationError, match="cannot be decrypted"):
        ProviderCredential.objects.get(name="a").reveal()
    # Re-encrypting is not replacing the API key: rotated_at is left alone.
    assert dict(ProviderCredential.objects.values_list("name", "rotated_at")) == rotated_at
    assert leaks(out.getvalue()) == []


@pytest.mark.django_db
def test_rotate_credentials_changes_nothing_when_a_key_cannot_be_opened(settings):
    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    for name in ["a", "b"]:
        credential = ProviderCredential(name=name, vendor="openai")
        credential.set_key(PLANTED)
        credential.save()
    before = {c.name: bytes(c.encrypted_key) for c in ProviderCredential.objects.all()}

    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    with pytest.raises(CommandError, match="cannot be decrypted") as raised:
        call_command("rotate_credentials")

    assert "Nothing was changed" in str(raised.value) and leaks(str(raised.value)) == []
    assert {c.name: bytes(c.encrypted_key) for c in ProviderCredential.objects.all()} == before
