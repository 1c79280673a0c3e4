"""What a reviewer signs: the check of a final diagnosis, one of the panel's proposals or
another diagnosis with a billable ICD-10-CM code, and whether it overrides the panel."""

from __future__ import annotations

from dataclasses import dataclass

from cases import protocol
from cases.escalation.errors import (
    BOTH_DIAGNOSES,
    INVALID_ICD10,
    NO_DIAGNOSIS,
    NOT_BILLABLE,
    UNKNOWN_PROPOSAL,
    EscalationError,
)
from cases.models import Escalation, Proposal, TurnStatus


@dataclass(frozen=True)
class Diagnosis:
    """A checked final diagnosis: what is signed."""

    diagnosis: str
    icd10: str
    proposal: Proposal | None
    overrides_panel: bool


def check_icd10(code: str) -> tuple[str, str]:
    """The normalised billable code and its official description, or EscalationError with
    :data:`INVALID_ICD10` / :data:`NOT_BILLABLE`."""
    normal = protocol.normalize_icd10(code)
    if normal is None:
        raise EscalationError(INVALID_ICD10.format(code=code.strip()))
    description = protocol.icd10_description(normal)
    if not protocol.is_billable(normal):
        raise EscalationError(NOT_BILLABLE.format(code=normal, description=description))
    return normal, description


def choose(
    escalation: Escalation, *, proposal_id: int | None, icd10: str, diagnosis: str
) -> Diagnosis:
    """The final diagnosis a signer chose for ``escalation``: one of its deliberation's valid
    proposals (``proposal_id``), or another diagnosis by billable code, matched to a panel
    class when it falls in one; EscalationError when the choice is missing, double or
    invalid."""
    deliberation = escalation.deliberation
    valid = (
        list(deliberation.proposals.filter(status=TurnStatus.OK))
        if deliberation is not None
        else []
    )
    if proposal_id is not None and icd10.strip():
        raise EscalationError(BOTH_DIAGNOSES)
    if proposal_id is not None:
        chosen = next((p for p in valid if p.pk == proposal_id), None)
        if chosen is None:
            raise EscalationError(UNKNOWN_PROPOSAL)
        return Diagnosis(chosen.diagnosis, chosen.icd10, chosen, overrides_panel=False)
    if not icd10.strip():
        raise EscalationError(NO_DIAGNOSIS)
    code, description = check_icd10(icd10)
    level = deliberation.snapshot.agreement_level if deliberation is not None else "category"
    key = protocol.class_key(diagnosis or description, code, level=level)
    same_class = next((p for p in valid if p.class_key == key), None)
    return Diagnosis(
        diagnosis.strip()[:200] or description[:200],
        code,
        same_class,
        overrides_panel=same_class is None,
    )
