"""Safety nets on a consensus: dangerous dissent (flag, or escalate) and random audits."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from cases import escalation, safety
from cases.models import CaseStatus, Escalation, EscalationReason, SeverityRule
from cases.safety import Dissent, Opinion, Severity
from panels.models import Panel
from tests.cases.scenarios import ASTHMA, PE, PNEUMONIA, member, run_case
from tests.factories import make_panel

PE_FLAG = "Agent-5 proposed pulmonary embolism, severity 2"

RATINGS = {"pulmonary embolism": Severity(2, "I26.99"), "asthma": Severity(4, "J45.909")}


def rate(name: str, code: str | None) -> Severity | None:
    """A fixed lookup: PE is severity 2, asthma 4, anything else unknown."""
    if code and code.startswith("I26"):
        return Severity(2, code)
    return RATINGS.get(name.casefold())


def opinion(member: str, diagnosis: str, icd10: str | None, key: str, **kw) -> Opinion:
    kw.setdefault("confidence", 80)
    return Opinion(member=member, diagnosis=diagnosis, icd10=icd10, class_key=key, **kw)


# --- the pure check -------------------------------------------------------------------------


def test_a_confident_proposal_of_a_severe_condition_outside_the_winner_is_flagged():
    opinions = [
        opinion("Agent-1", "Pneumonia", "J18.9", "J18"),
        opinion("Agent-5", "Pulmonary embolism", "I26.99", "I26"),
    ]

    found = safety.find_dissent(opinions, winner="J18", severity=rate, min_confidence=0)

    assert found == [Dissent("Agent-5", "Pulmonary embolism", "I26.99", 2, "proposal")]
    assert found[0].text == PE_FLAG


def test_a_severe_condition_listed_first_in_a_differential_is_flagged():
    opinions = [
        opinion("Agent-2", "Pneumonia", "J18.9", "J18", differential=("Pulmonary embolism",)),
        opinion("Agent-3", "Pneumonia", "J18.9", "J18", differential=("Asthma", "PE")),
    ]

    found = safety.find_dissent(opinions, winner="J18", severity=rate, min_confidence=0)

    assert [d.text for d in found] == [
        "Agent-2 listed pulmonary embolism first in its differential, severity 2"
    ]


@pytest.mark.parametrize(
    ("dissenter", "winner"),
    [
        (opinion("Agent-5", "Pulmonary embolism", "I26.99", "I26", confidence=30), "J18"),
        (
            opinion(
                "Agent-5",
                "",
                None,
                "",
                confidence=None,
                abstained=True,
                differential=("Pulmonary embolism",),
            ),
            "J18",
        ),
        (opinion("Agent-5", "Asthma", "J45.909", "J45"), "J18"),
        (
            opinion(
                "Agent-5",
                "Pulmonary embolism",
                "I26.99",
                "I26",
                differential=("Pulmonary embolism",),
            ),
            "I26",
        ),
    ],
    ids=["below-threshold", "abstained", "not-severe", "in-the-winning-class"],
)
def test_what_is_not_a_dangerous_dissent(dissenter, winner):
    found = safety.find_dissent([dissenter], winner=winner, severity=rate, min_confidence=50)

    assert found == []


def test_audits_are_drawn_per_seed_at_the_panels_rate():
    seeds = range(4000)

    assert all(safety.is_audited(s, rate=1.0) for s in seeds)
    assert not any(safety.is_audited(s, rate=0.0) for s in seeds)
    share = sum(safety.is_audited(s, rate=0.05) for s in seeds) / len(seeds)
    assert 0.03 < share < 0.07
    assert [safety.is_audited(s, rate=0.5) for s in seeds] == [
        safety.is_audited(s, rate=0.5) for s in seeds
    ]


def test_the_lookup_rates_ddxplus_names_codes_and_administrators_rules(db):
    SeverityRule.objects.create(code="I71", severity=1, note="Aortic dissection")
    lookup = safety.severity_lookup()

    assert lookup("Pulmonary embolism", None) == Severity(2, "I26")
    assert lookup("whatever the member called it", "I26.99") == Severity(2, "I26.99")
    assert lookup("Aortic dissection", "I71.00") == Severity(1, "I71.00")
    assert lookup("Common cold", None) is None


# --- in a deliberation ------------------------------------------------------------------------


def dissent_panel(name: str, **fields) -> Panel:
    """Three pneumonia, an asthma voting pneumonia, one confident PE: J18 wins 4 votes."""
    return make_panel(
        name,
        [member(PNEUMONIA)] * 3 + [member(ASTHMA, vote_for="J18.9"), member(PE)],
        **fields,
    )


def test_a_dangerous_dissent_flags_the_consensus_everywhere(clinician):
    d = run_case(clinician, dissent_panel("flag"))

    assert (d.outcome, d.winner_key) == ("consensus", "J18")
    assert [f["text"] for f in d.dissent] == [PE_FLAG]
    assert d.case.status == CaseStatus.CONSENSUS
    assert not Escalation.objects.exists()
    finished = d.events.get(type="deliberation.finished").payload
    assert [f["text"] for f in finished["dissent"]] == [PE_FLAG]

    client = Client()
    client.force_login(clinician)
    assert PE_FLAG in client.get(f"/cases/{d.case_id}/").content.decode()
    body = client.get(f"/api/deliberations/{d.pk}").json()
    assert body["dissent"] == [
        {
            "member": "Agent-5",
            "diagnosis": "Pulmonary embolism",
            "icd10": "I26.99",
            "severity": 2,
            "source": "proposal",
            "text": PE_FLAG,
        }
    ]


def test_deliberate_json_carries_the_flag(db):
    dissent_panel("cli-flag")
    out = io.StringIO()

    call_command("deliberate", "--panel", "cli-flag", "--text", "Fever.", "--json", stdout=out)

    record = json.loads(out.getvalue())
    assert [f["text"] for f in record["dissent"]] == [PE_FLAG]
    assert record["escalation_id"] is None


def test_a_panel_that_escalates_dissent_sends_the_flagged_consensus_to_the_queue(
    clinician, reviewer
):
    d = run_case(clinician, dissent_panel("escalate", dissent_action="escalate"))

    assert (d.outcome, d.winner_diagnosis) == ("consensus", "Community-acquired pneumonia")
    item = Escalation.objects.get(case=d.case)
    assert item.reason == EscalationReason.DANGEROUS_DISSENT
    assert d.case.status == CaseStatus.ESCALATED
    assert list(escalation.queue(reviewer)) == [item]
    client = Client()
    client.force_login(clinician)
    page = client.get(f"/cases/{d.case_id}/").content.decode()
    assert "Community-acquired pneumonia" in page and PE_FLAG in page


def test_an_audited_consensus_goes_to_the_queue_last_and_stays_with_the_clinician(
    clinician, reviewer
):
    unanimous = make_panel("audited", [member(PNEUMONIA)] * 5, audit_rate=1.0)
    never = make_panel("unaudited", [member(PNEUMONIA)] * 5, audit_rate=0.0)
    tie = make_panel("tie", [member(PNEUMONIA)] * 2 + [member(PE)] * 2 + [member(ASTHMA)])

    audited = run_case(clinician, unanimous)
    skipped = run_case(clinician, never)
    later_tie = run_case(clinician, tie)

    item = Escalation.objects.get(case=audited.case)
    assert item.reason == EscalationReason.AUDIT
    assert audited.case.status == CaseStatus.CONSENSUS
    assert not Escalation.objects.filter(case=skipped.case).exists()
    tie_item = Escalation.objects.get(case=later_tie.case)
    # Even an audit that has waited longer than any head start comes after the tie.
    Escalation.objects.filter(pk=item.pk).update(rank_at=F("rank_at") - timedelta(days=3))
    assert list(escalation.queue(reviewer)) == [tie_item, item]
    assert list(escalation.queue(reviewer, show="unclaimed")) == [tie_item, item]
    client = Client()
    client.force_login(clinician)
    page = client.get(f"/cases/{audited.case_id}/").content.decode()
    assert "drawn for a random audit" in page
    assert "Community-acquired pneumonia" in page


def test_disputing_an_audited_consensus_turns_the_audit_into_the_dispute(clinician):
    d = run_case(clinician, make_panel("audit-dispute", [member(PNEUMONIA)] * 5, audit_rate=1))

    escalation.acknowledge(d.case_id, user=clinician, decision="dispute", comment="It is PE.")

    item = Escalation.objects.get(case=d.case)
    assert item.reason == EscalationReason.DISPUTED
    d.case.refresh_from_db()
    assert d.case.status == CaseStatus.ESCALATED


def test_evaluation_runs_are_never_audited_nor_escalated_for_dissent(db):
    from asgiref.sync import async_to_sync

    from cases import deliberation

    panel = dissent_panel("eval", audit_rate=1.0, dissent_action="escalate")
    created = deliberation.create("Fever.", panel=panel, submitted_by_id=None, is_evaluation=True)
    async_to_sync(deliberation.run)(created.pk)

    created.refresh_from_db()
    assert [f["text"] for f in created.dissent] == [PE_FLAG]
    assert created.case.status == CaseStatus.CONSENSUS
    assert not Escalation.objects.exists()
