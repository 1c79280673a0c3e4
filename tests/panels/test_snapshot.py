"""The panel snapshot as stored on deliberation rows: today's shape round-trips exactly, and
the shapes older deliberations were stored with still load."""

from __future__ import annotations

import json

import pytest

from cases import live
from cases.models import Case, Deliberation
from panels.models import Panel, PanelMember
from panels.snapshot import MemberSnapshot, PanelSnapshot

# A member entry as Panel.snapshot has stored it since prices were frozen (2026-11-27).
MEMBER = {
    "member_id": 7,
    "alias": "Agent-1",
    "provider": "openai",
    "model": "gpt-test",
    "temperature": 0.3,
    "vote_temperature": 0.2,
    "max_tokens": 800,
    "timeout_s": 45.0,
    "system_prompt": "Be brief.",
    "base_url": "http://127.0.0.1:9/v1",
    "options": {"max_tokens_param": "tokens"},
    "fault_mode": "",
    "fault_target": "",
    "credential_id": 3,
    "input_price_per_mtok": 2.5,
    "output_price_per_mtok": None,
}

# A whole snapshot as stored since issue 10 (min_confidence, audit_rate, dissent_action).
STORED = {
    "panel_id": 2,
    "name": "mixed",
    "n": 5,
    "q": 3,
    "f": 2,
    "agreement_level": "code",
    "early_abort": False,
    "early_decision": True,
    "grace_period_s": 1.5,
    "member_timeout_s": 45.0,
    "min_confidence": 40,
    "audit_rate": 0.1,
    "dissent_action": "escalate",
    "members": [MEMBER, {**MEMBER, "member_id": 8, "alias": "Agent-2"}],
}

# The first shape ever stored (the scaffold): no threshold, audit, dissent or prices.
SCAFFOLD = {
    "panel_id": 1,
    "name": "offline",
    "n": 5,
    "q": 3,
    "f": 2,
    "agreement_level": "category",
    "early_abort": True,
    "early_decision": True,
    "grace_period_s": 2.0,
    "member_timeout_s": 60.0,
    "members": [
        {
            "member_id": i,
            "alias": f"Agent-{i}",
            "provider": "builtin",
            "model": "bayes",
            "temperature": 0.3,
            "vote_temperature": 0.2,
            "max_tokens": 1024,
            "timeout_s": 60.0,
            "system_prompt": "",
            "base_url": "",
            "options": {},
            "fault_mode": "garbage" if i == 5 else "",
            "fault_target": "",
            "credential_id": None,
        }
        for i in range(1, 6)
    ],
}


def test_a_stored_snapshot_of_todays_shape_round_trips_exactly():
    snap = PanelSnapshot.from_json(json.loads(json.dumps(STORED)))

    assert snap.to_json() == STORED
    assert PanelSnapshot.from_json(snap.to_json()) == snap
    assert (snap.agreement_level, snap.min_confidence, snap.dissent_action) == (
        "code",
        40,
        "escalate",
    )
    member = snap.members[0]
    assert (member.member_id, member.credential_id) == (7, 3)
    assert member.spec.options == {"max_tokens_param": "tokens"}
    assert (member.spec.input_price_per_mtok, member.spec.output_price_per_mtok) == (2.5, None)


def test_a_scaffold_snapshot_loads_with_the_values_panels_had_before_the_new_fields():
    snap = PanelSnapshot.from_json(SCAFFOLD)

    assert (snap.min_confidence, snap.audit_rate, snap.dissent_action) == (0, 0.0, "flag")
    assert [s.alias for s in snap.specs] == [f"Agent-{i}" for i in range(1, 6)]
    assert snap.specs[4].fault_mode == "garbage"
    assert snap.specs[0].input_price_per_mtok is None
    # Written back, it gains the new fields with those values and keeps everything else.
    written = snap.to_json()
    assert {k: v for k, v in written.items() if k != "members"} == {
        **{k: v for k, v in SCAFFOLD.items() if k != "members"},
        "min_confidence": 0,
        "audit_rate": 0.0,
        "dissent_action": "flag",
    }


@pytest.mark.django_db
def test_a_deliberation_stored_with_a_scaffold_snapshot_still_opens():
    case = Case.objects.create(text="Fever and cough.")
    stored = Deliberation.objects.create(case=case, panel_snapshot=SCAFFOLD)
    d = Deliberation.objects.get(pk=stored.pk)

    assert d.snapshot.name == "offline"
    assert d.min_confidence == 0
    state = live.initial_state(d)
    assert (state.n, state.q, state.f) == (5, 3, 2)
    assert [m.alias for m in state.members] == [f"Agent-{i}" for i in range(1, 6)]


@pytest.mark.django_db
def test_a_panels_snapshot_is_stored_with_every_field_and_reads_back_equal():
    panel = Panel.objects.create(name="trio", n=3, q=2, f=1, min_confidence=30)
    for i in range(3):
        PanelMember.objects.create(panel=panel, position=i, alias=f"A{i}", provider="builtin")

    snap = panel.snapshot()
    stored = json.loads(json.dumps(snap.to_json()))

    assert set(stored) == set(STORED)
    assert set(stored["members"][0]) == set(MEMBER)
    assert PanelSnapshot.from_json(stored) == snap
    assert snap.members[0].spec.timeout_s == panel.member_timeout_s


def test_a_snapshot_with_an_unknown_agreement_level_is_refused_loudly():
    with pytest.raises(ValueError, match="agreement level 'chapter'"):
        PanelSnapshot.from_json({**STORED, "agreement_level": "chapter"})
    with pytest.raises(KeyError):
        MemberSnapshot.from_json({"alias": "Agent-1"})
