"""Escalated cases built straight in the database: a finished no-consensus deliberation with
its proposals and votes, then ``escalation.create`` (as the orchestrator calls it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from cases import escalation, protocol
from cases.models import (
    Case,
    CaseStatus,
    Deliberation,
    DeliberationStatus,
    Escalation,
    Outcome,
    Proposal,
    TurnStatus,
    Vote,
)
from panels.models import Panel

# (diagnosis, icd10) per member; votes name the proposal index each member voted for.
SPLIT = [
    ("Community-acquired pneumonia", "J18.9"),
    ("Community-acquired pneumonia", "J18.1"),
    ("Pulmonary embolism", "I26.99"),
    ("Pulmonary embolism", "I26.99"),
    ("Acute bronchitis", "J20.9"),
]
SPLIT_VOTES = [0, 0, 2, 2, 4]


def snapshot(name: str = "chaos") -> dict[str, Any]:
    return {
        "name": name,
        "n": 5,
        "q": 3,
        "f": 2,
        "agreement_level": "category",
        "grace_period_s": 0.2,
        "early_abort": True,
        "early_decision": True,
        "members": [],
    }


def make_escalated_case(
    clinician: User,
    *,
    proposals: list[tuple[str, str]] | None = None,
    votes: list[int] | None = None,
    reason: str = "no_supermajority",
    text: str = "67-year-old with fever, productive cough and pleuritic chest pain.",
    panel: str = "chaos",
    panel_record: Panel | None = None,
) -> Escalation:
    proposals = SPLIT if proposals is None else proposals
    votes = SPLIT_VOTES if votes is None else votes
    case = Case.objects.create(text=text, submitted_by=clinician, status=CaseStatus.ESCALATED)
    deliberation = Deliberation.objects.create(
        case=case,
        panel=panel_record,
        panel_snapshot=panel_record.snapshot().to_json() if panel_record else snapshot(panel),
        status=DeliberationStatus.FINISHED,
        outcome=Outcome.NO_CONSENSUS,
        reason=reason,
        rounds=2,
    )
    rows = [
        Proposal.objects.create(
            deliberation=deliberation,
            member_index=i,
            alias=f"Agent-{i + 1}",
            status=TurnStatus.OK,
            diagnosis=diagnosis,
            icd10=code,
            confidence=60 + i,
            reasoning=f"Reasoning of member {i + 1}.",
            class_key=protocol.class_key(diagnosis, code),
        )
        for i, (diagnosis, code) in enumerate(proposals)
    ]
    for i, target in enumerate(votes):
        Vote.objects.create(
            deliberation=deliberation,
            member_index=i,
            alias=f"Agent-{i + 1}",
            status=TurnStatus.OK,
            ballot=list(range(len(rows))),
            letter="ABCDE"[target],
            proposal=rows[target],
            class_key=rows[target].class_key,
            reasoning=f"Member {i + 1} votes {rows[target].diagnosis}.",
        )
    return escalation.create(deliberation, reason=reason)


def make_consensus_case(clinician: User) -> Case:
    case = Case.objects.create(
        text="Fever and cough.", submitted_by=clinician, status=CaseStatus.CONSENSUS
    )
    Deliberation.objects.create(
        case=case,
        panel_snapshot=snapshot("offline"),
        status=DeliberationStatus.FINISHED,
        outcome=Outcome.CONSENSUS,
        reason="supermajority",
        winner_key="J18",
        winner_diagnosis="Community-acquired pneumonia",
        winner_icd10="J18.9",
        winner_votes=3,
    )
    return case
