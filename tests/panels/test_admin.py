"""The panel administration screens: creating panels with members, refusing broken ones in
plain words, the guarantees, the exact reliability table and the correlation warnings."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.test import Client
from django.utils.html import escape

from cases.models import AuditEvent, Role
from panels import correlation, quorum
from panels.admin import percent
from panels.forms import BAD_ERROR_RATE, MEMBER_COUNT_MISMATCH
from panels.models import Panel, PanelMember
from panels.providers.base import MemberSpec
from tests.factories import make_panel

PANELS_DIR = Path(__file__).resolve().parents[2] / "panels"


@pytest.fixture
def admin_client(db) -> Client:
    user = User.objects.create_superuser("root", password="pw-root")
    user.groups.add(Group.objects.get_or_create(name=Role.ADMINISTRATOR)[0])
    client = Client()
    client.force_login(user)
    return client


def member(alias: str, **fields: Any) -> dict[str, Any]:
    return {
        "position": 0,
        "alias": alias,
        "provider": "builtin",
        "model_name": "",
        "base_url": "",
        "credential": "",
        "temperature": 0.3,
        "vote_temperature": 0.2,
        "max_tokens": 1024,
        "timeout_s": "",
        "system_prompt": "",
        "fault_mode": "",
        "fault_target": "",
        **fields,
    }


def panel_data(
    members: list[dict[str, Any]], *, panel: Panel | None = None, **fields: Any
) -> dict[str, Any]:
    """The POST body of the admin add (or, with ``panel``, change) form."""
    data: dict[str, Any] = {
        "name": "mixed",
        "description": "",
        "n": 5,
        "q": 3,
        "f": 2,
        "agreement_level": "category",
        "early_abort": "on",
        "early_decision": "on",
        "grace_period_s": 2.0,
        "member_timeout_s": 60.0,
        "min_confidence": 0,
        "audit_rate": 0.0,
        "dissent_action": "flag",
        **fields,
    }
    existing = list(panel.members.order_by("position", "id")) if panel else []
    data.update(
        {
            "members-TOTAL_FORMS": len(members),
            "members-INITIAL_FORMS": len(existing),
            "members-MIN_NUM_FORMS": 0,
            "members-MAX_NUM_FORMS": 1000,
        }
    )
    for i, values in enumerate(members):
        data.update({f"members-{i}-{name}": value for name, value in values.items()})
        if i < len(existing):
            data[f"members-{i}-id"] = existing[i].pk
            data[f"members-{i}-panel"] = existing[i].panel_id
    return data


def row(html: str, *, b: int, k: int) -> list[str]:
    """The five cells of the reliability table row for ``b`` colluders and ``k`` alternatives."""
    match = re.search(rf'<tr data-b="{b}" data-k="{k}">(.*?)</tr>', html, re.S)
    assert match, f"no reliability row for b={b}, k={k}"
    return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


def change_page(client: Client, panel: Panel, query: str = "") -> str:
    response = client.get(f"/admin/panels/panel/{panel.pk}/change/{query}")
    assert response.status_code == 200
    return response.content.decode()


FIVE_OFFLINE = [{"provider": "builtin"}] * 5


# --- creating and refusing panels ------------------------------------------------------------


def test_administrator_creates_a_panel_with_its_members_in_the_admin(admin_client):
    members = [
        member("GPT", position=0, provider="openai", model_name="gpt-4o"),
        member("Claude", position=1, provider="anthropic", model_name="claude-sonnet-4-5"),
        member(
            "Local",
            position=2,
            provider="openai",
            model_name="llama-3.1-70b",
            base_url="http://127.0.0.1:8000/v1",
            timeout_s=30,
            system_prompt="Be brief.",
            max_tokens=800,
        ),
        member("Offline-1", position=3),
        member("Offline-2", position=4),
    ]
    response = admin_client.post("/admin/panels/panel/add/", panel_data(members))

    assert response.status_code == 302, response.context["adminform"].form.errors
    panel = Panel.objects.get(name="mixed")
    assert (panel.n, panel.q, panel.f) == (5, 3, 2)
    stored = list(panel.members.order_by("position"))
    assert [m.alias for m in stored] == ["GPT", "Claude", "Local", "Offline-1", "Offline-2"]
    local = stored[2]
    assert (local.base_url, local.timeout_s, local.system_prompt, local.max_tokens) == (
        "http://127.0.0.1:8000/v1",
        30.0,
        "Be brief.",
        800,
    )
    event = AuditEvent.objects.get(action="panel.created")
    assert event.payload["members"]["added"][0] == "GPT (openai/gpt-4o)"


def test_the_add_page_offers_one_empty_seat_per_default_member(admin_client):
    response = admin_client.get("/admin/panels/panel/add/")
    [inline] = response.context["inline_admin_formsets"]
    assert len(inline.formset.forms) == 5
    html = response.content.decode()
    assert "How many votes one diagnosis needs to become the consensus" in html
    assert 'id="reliability-table"' not in html


def test_untouched_seats_do_not_count_as_members(admin_client):
    response = admin_client.post("/admin/panels/panel/add/", panel_data([]))
    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == [MEMBER_COUNT_MISMATCH.format(n=5, count=0)]


def test_refuses_a_quorum_that_is_not_a_majority_with_the_rule_in_plain_words(admin_client):
    members = [member(f"Agent-{i}", position=i) for i in range(4)]
    response = admin_client.post("/admin/panels/panel/add/", panel_data(members, n=4, q=2, f=1))

    assert response.status_code == 200
    rule = quorum.QUORUM_NOT_MAJORITY.format(n=4, q=2, min_q=3)
    assert response.context["adminform"].form.non_field_errors() == [rule]
    assert escape(rule) in response.content.decode()
    assert "Constraint" not in response.content.decode()
    assert not Panel.objects.exists()


def test_refuses_every_broken_rule_at_once(admin_client):
    members = [member(f"Agent-{i}", position=i) for i in range(5)]
    response = admin_client.post("/admin/panels/panel/add/", panel_data(members, q=3, f=3))

    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [" ".join(quorum.QuorumRules(n=5, q=3, f=3).problems())]
    assert not Panel.objects.exists()


def test_refuses_a_member_count_that_differs_from_n(admin_client):
    members = [member(f"Agent-{i}", position=i) for i in range(4)]
    response = admin_client.post("/admin/panels/panel/add/", panel_data(members))

    assert response.status_code == 200
    message = MEMBER_COUNT_MISMATCH.format(n=5, count=4)
    assert message.startswith("n is 5 but the panel has 4 members")
    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == [message]
    assert message in response.content.decode()
    assert not Panel.objects.exists()


def test_members_ticked_for_deletion_do_not_count_towards_n(admin_client):
    panel = make_panel("offline", FIVE_OFFLINE)
    members = [member(m.alias, position=m.position) for m in panel.members.order_by("position")]
    members[4]["DELETE"] = "on"
    response = admin_client.post(
        f"/admin/panels/panel/{panel.pk}/change/", panel_data(members, panel=panel, name="offline")
    )

    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == [MEMBER_COUNT_MISMATCH.format(n=5, count=4)]
    assert panel.members.count() == 5


# --- guarantees and the reliability table ----------------------------------------------------


def test_change_page_shows_the_guarantees_and_the_exact_reliability_table(admin_client):
    panel = make_panel("seed", FIVE_OFFLINE)
    html = change_page(admin_client, panel)

    assert "Tolerates 2 faulty members; 3 of 5 votes decide" in html
    assert panel.rules.guarantees in html
    # DESIGN.md's reference figures for n=5, q=3, p=10%.
    assert row(html, b=0, k=1) == ["0", "1", "99.144%", "0.856%", "0.000%"]
    assert row(html, b=0, k=3) == ["0", "3", "99.144%", "0.106%", "0.750%"]
    assert row(html, b=0, k=10) == ["0", "10", "99.144%", "0.010%", "0.846%"]
    assert row(html, b=2, k=10) == ["2", "10", "72.900%", "2.971%", "24.129%"]
    assert len(re.findall(r"<tr data-b=", html)) == 9
    assert 'data-error-rate="10"' in html
    assert "independently" in html and "round 1 answers voted as they are" in html


def test_the_error_rate_parameter_recomputes_the_table(admin_client):
    panel = make_panel("seed", FIVE_OFFLINE)
    html = change_page(admin_client, panel, "?p=20")

    exact = quorum.reliability(n=5, q=3, p=0.2, k=10, b=2)
    assert row(html, b=2, k=10) == [
        "2",
        "10",
        f"{exact.correct * 100:.3f}%",
        f"{exact.wrong * 100:.3f}%",
        f"{exact.none * 100:.3f}%",
    ]
    assert row(html, b=2, k=10) == ["2", "10", "51.200%", "5.888%", "42.912%"]
    assert row(html, b=0, k=1) == ["0", "1", "94.208%", "5.792%", "0.000%"]
    assert 'data-error-rate="20"' in html
    assert "wrong 20% of the time" in html


def test_the_table_follows_the_panel_shape(admin_client):
    panel = make_panel("seven", [{"provider": "builtin"}] * 7, n=7, q=5, f=2)
    html = change_page(admin_client, panel, "?p=5")

    exact = quorum.reliability(n=7, q=5, p=0.05, k=3, b=1)
    assert row(html, b=1, k=3)[2:] == [
        escape(percent(exact.correct)),
        escape(percent(exact.wrong)),
        escape(percent(exact.none)),
    ]
    assert row(html, b=1, k=3)[2:] == ["96.723%", "&lt;0.001%", "3.277%"]
    assert "Tolerates 2 faulty members; 5 of 7 votes decide" in html


@pytest.mark.parametrize("bad", ["abc", "150", "-1", "nan", ""])
def test_a_bad_error_rate_shows_a_message_and_falls_back_to_ten_percent(admin_client, bad):
    panel = make_panel("seed", FIVE_OFFLINE)
    html = change_page(admin_client, panel, f"?p={bad}")

    assert escape(BAD_ERROR_RATE.format(default=10)) in html
    assert row(html, b=0, k=1)[2] == "99.144%"
    assert 'data-error-rate="10"' in html


def test_percentages_keep_three_decimals_and_mark_tiny_values():
    assert percent(0.99144) == "99.144%"
    assert percent(0.0) == "0.000%"
    assert percent(1.0) == "100.000%"
    assert percent(1e-7) == "<0.001%"
    assert percent(1 - 1e-7) == ">99.999%"
    # Float residue where the exact value is 0 or 1 is shown as that value.
    assert percent(1 - 0.99144 - 0.00856) == "0.000%"
    assert percent(0.1 + 0.2 + 0.7) == "100.000%"


def test_the_default_page_shows_no_error_rate_message(admin_client):
    panel = make_panel("seed", FIVE_OFFLINE)
    html = change_page(admin_client, panel)
    assert 'id="error-rate-message"' not in html
    assert 'name="p" value="10"' in html


# --- correlation warnings --------------------------------------------------------------------


def test_change_page_warns_about_copies_of_one_model_one_vendor_and_hot_members(admin_client):
    gpt = {"provider": "openai", "model_name": "gpt-4o"}
    panel = make_panel(
        "copies",
        [gpt, gpt, {**gpt, "temperature": 0.9}],
        n=3,
        q=2,
        f=1,
    )
    html = change_page(admin_client, panel)

    assert escape(correlation.SAME_MODEL.format(count=3, provider="openai", model="gpt-4o")) in html
    assert escape(correlation.SINGLE_VENDOR.format(provider="openai")) in html
    assert "Agent-3: Round 1 temperature 0.9 is outside 0.2-0.3" in html


def test_an_offline_panel_is_named_as_the_offline_engine(admin_client):
    html = change_page(admin_client, make_panel("offline", FIVE_OFFLINE))
    assert escape(correlation.OFFLINE_ONLY) in html
    assert "run the same model" not in html


def test_a_diverse_panel_has_no_warnings(admin_client):
    panel = make_panel(
        "diverse",
        [
            {"provider": "openai", "model_name": "gpt-4o"},
            {"provider": "anthropic", "model_name": "claude-sonnet-4-5"},
            {"provider": "builtin"},
        ],
        n=3,
        q=2,
        f=1,
    )
    assert 'id="panel-warnings"' not in change_page(admin_client, panel)


def test_saving_a_correlated_panel_warns_without_refusing(admin_client):
    panel = make_panel("offline", FIVE_OFFLINE)
    members = [
        member(m.alias, position=m.position, provider="openai", model_name="gpt-4o")
        for m in panel.members.order_by("position")
    ]
    members[0]["vote_temperature"] = 0.0
    response = admin_client.post(
        f"/admin/panels/panel/{panel.pk}/change/", panel_data(members, panel=panel, name="offline")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [
        correlation.SAME_MODEL.format(count=5, provider="openai", model="gpt-4o"),
        correlation.SINGLE_VENDOR.format(provider="openai"),
        "Agent-1: Round 2 vote temperature 0 is outside 0.2-0.3; diagnoses become "
        "deterministic. Use a value between 0.2 and 0.3.",
    ]
    assert set(PanelMember.objects.values_list("provider", flat=True)) == {"openai"}
    assert AuditEvent.objects.filter(action="panel.edited").count() == 1


def test_correlation_warnings_are_computed_from_member_specs():
    shape = MemberSpec
    assert correlation.correlation_warnings([]) == []
    assert correlation.correlation_warnings([shape("A", "openai", "gpt-4o")]) == []
    assert (
        correlation.correlation_warnings(
            [shape("A", "openai", "gpt-4o"), shape("B", "anthropic", "claude", 0.2, 0.3)]
        )
        == []
    )
    # Offline members ignore temperature; their panel is still named as the offline engine.
    assert correlation.correlation_warnings(
        [shape("A", "builtin", temperature=1.5), shape("B", "builtin")]
    ) == [correlation.OFFLINE_ONLY]
    found = correlation.correlation_warnings(
        [shape("A", "openai", "gpt-4o", 0.31), shape("B", "anthropic", "claude", 0.3, 0.19)]
    )
    assert [w.split(":")[0] for w in found] == ["A", "B"]
    assert "Round 1 temperature 0.31" in found[0] and "noisier" in found[0]
    assert "Round 2 vote temperature 0.19" in found[1] and "deterministic" in found[1]


# --- import direction ------------------------------------------------------------------------


def test_the_panels_package_never_imports_cases():
    offenders = []
    for path in PANELS_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "cases"]
    assert offenders == []


# --- when the panel is unsure ---------------------------------------------------------------


def test_the_change_page_edits_the_threshold_the_audit_rate_and_the_dissent_action(admin_client):
    members = [member(f"Offline-{i}", position=i) for i in range(5)]
    admin_client.post("/admin/panels/panel/add/", panel_data(members))
    panel = Panel.objects.get(name="mixed")
    html = change_page(admin_client, panel)
    assert 'name="min_confidence"' in html
    assert 'name="audit_rate"' in html
    assert 'name="dissent_action"' in html
    assert "counts as not knowing" in html

    saved = [{**m, "position": i} for i, m in enumerate(members)]
    response = admin_client.post(
        f"/admin/panels/panel/{panel.pk}/change/",
        panel_data(
            saved, panel=panel, min_confidence=40, audit_rate=0.05, dissent_action="escalate"
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    panel.refresh_from_db()
    assert (panel.min_confidence, panel.audit_rate, panel.dissent_action) == (
        40,
        0.05,
        "escalate",
    )


@pytest.mark.parametrize(
    ("field", "value"), [("min_confidence", 101), ("audit_rate", 1.5), ("audit_rate", -0.1)]
)
def test_an_out_of_range_threshold_or_audit_rate_is_refused(admin_client, field, value):
    members = [member(f"Offline-{i}", position=i) for i in range(5)]

    response = admin_client.post("/admin/panels/panel/add/", panel_data(members, **{field: value}))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Panel.objects.exists()
