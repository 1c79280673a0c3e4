"""The "test connection" interfaces: the check_provider command and the admin actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command

from panels.models import ProviderCredential
from tests.factories import make_panel

GOOD_KEY = "sk-good-key-123456"
BAD_KEY = "sk-revoked-key-654321"


def credential(name: str, vendor: str, key: str) -> ProviderCredential:
    cred = ProviderCredential(name=name, vendor=vendor)
    cred.set_key(key)
    cred.save()
    return cred


@pytest.fixture
def panel(db, vendor_server):
    vendor_server.accepted_keys = {GOOD_KEY}
    good = credential("good", "openai", GOOD_KEY)
    bad = credential("bad", "anthropic", BAD_KEY)
    return make_panel(
        "checked",
        [
            {
                "provider": "openai",
                "model_name": "gpt-test",
                "base_url": vendor_server.openai_url,
                "credential": good,
            },
            {
                "provider": "anthropic",
                "model_name": "claude-test",
                "base_url": vendor_server.url,
                "credential": bad,
            },
            {"provider": "builtin"},
        ],
        n=3,
        q=2,
        f=1,
    )


def test_check_provider_prints_one_line_per_member_and_fails_when_one_fails(panel, capsys):
    with pytest.raises(CommandError, match="1 of 3 members failed"):
        call_command("check_provider", "--panel", "checked")

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Agent-1 (openai/gpt-test): OK Connected to OpenAI-compatible")
    assert lines[1].startswith(
        "Agent-2 (anthropic/claude-test): FAILED Anthropic answered HTTP 401"
    )
    assert BAD_KEY not in lines[1]
    assert lines[2].startswith("Agent-3 (builtin): OK Nothing to check")


def test_check_provider_passes_when_every_member_connects(panel, vendor_server, capsys):
    vendor_server.accepted_keys = {GOOD_KEY, BAD_KEY}
    call_command("check_provider", "--panel", "checked")
    assert capsys.readouterr().out.count(": OK ") == 3


def test_check_provider_names_an_unknown_panel(db):
    with pytest.raises(CommandError, match="no panel named 'nope'"):
        call_command("check_provider", "--panel", "nope")


@pytest.fixture
def admin_client_(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_admin_action_tests_a_credential_where_it_is_used(panel, admin_client_):
    bad = ProviderCredential.objects.get(name="bad")
    response = admin_client_.post(
        "/admin/panels/providercredential/",
        {"action": "test_connection", "_selected_action": [bad.pk]},
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith(
        f"bad @ {panel.members.get(position=1).base_url} (claude-test): FAILED"
    )
    assert "HTTP 401" in message
    assert BAD_KEY not in message


def test_admin_action_tests_every_member_of_a_panel(panel, admin_client_):
    response = admin_client_.post(
        "/admin/panels/panel/", {"action": "test_connection", "_selected_action": [panel.pk]}
    )
    assert response.status_code == 302
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert [level for level, _ in messages] == ["success", "error", "success"]
    assert messages[1][1].startswith("Agent-2 (anthropic/claude-test): FAILED")


def test_admin_lists_model_prices(admin_client_):
    assert admin_client_.get("/admin/panels/modelprice/add/").status_code == 200
