"""The decision record of a case: the panel's outcome, its escalations with every claim,
release, reassignment, sign-off, correction and co-signature (from the audit trail), the
clinician's acknowledgement, and the diagnosis in force with who decided it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model

from cases.escalation import display_name
from cases.models import (
    Acknowledgement,
    AuditEvent,
    Case,
    CaseStatus,
    Deliberation,
    Escalation,
    EscalationReason,
    SignOff,
)


@dataclass
class ChainStep:
    """One line of a case's decision record."""

    at: datetime
    what: str
    who: str = ""
    detail: str = ""


@dataclass
class EscalationRecord:
    escalation: Escalation
    steps: list[ChainStep]
    signoffs: list[SignOff]
    current: SignOff | None


@dataclass
class CaseChain:
    """Everything that decided a case: panel outcome, escalations, claims, sign-offs,
    co-signatures, and the diagnosis in force (with who decided it)."""

    case: Case
    deliberation: Deliberation | None
    acknowledgement: Acknowledgement | None
    escalations: list[EscalationRecord] = field(default_factory=list)

    @property
    def final(self) -> SignOff | None:
        for record in reversed(self.escalations):
            if record.current is not None:
                return record.current
        return None

    @property
    def awaiting_cosignature(self) -> bool:
        return self.case.status == CaseStatus.AWAITING_COSIGN


_STEP_TEXT = {
    "escalation.created": "Escalated to human review",
    "escalation.claimed": "Claimed",
    "escalation.released": "Released",
    "escalation.reassigned": "Reassigned",
    "escalation.signed": "Signed off",
    "escalation.corrected": "Corrected",
    "escalation.cosigned": "Co-signed",
}


def _step(event: AuditEvent, names: dict[int, str]) -> ChainStep:
    payload = event.payload
    detail = ""
    if event.action == "escalation.created":
        detail = str(EscalationReason(payload["reason"]).label)
    elif event.action == "escalation.reassigned":
        detail = f"from {payload.get('from') or 'nobody'} to {payload.get('to')}"
    elif event.action in {"escalation.signed", "escalation.corrected"}:
        detail = f"{payload.get('icd10')} {payload.get('diagnosis')}"
    return ChainStep(
        at=event.created_at,
        what=_STEP_TEXT.get(event.action, event.action),
        who=names.get(event.actor_id or 0, "system" if event.actor_id is None else "?"),
        detail=detail,
    )


def case_chain(case: Case) -> CaseChain:
    """The full decision record of ``case`` (the caller has checked it may see the case)."""
    deliberation = case.deliberations.order_by("-created_at", "-id").first()
    ack = (
        Acknowledgement.objects.filter(deliberation__case=case).select_related("clinician").first()
    )
    escalations = list(case.escalations.order_by("created_at", "id"))
    events = list(
        AuditEvent.objects.filter(
            object_type=Escalation._meta.label_lower,
            object_id__in=[str(e.pk) for e in escalations],
        ).order_by("id")
    )
    user_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=user_ids)}
    chain = CaseChain(case=case, deliberation=deliberation, acknowledgement=ack)
    for escalation in escalations:
        signoffs = list(
            escalation.signoffs.select_related(
                "signer", "cosignature__signer", "supersedes", "chosen_proposal"
            ).order_by("created_at", "id")
        )
        current = next((s for s in reversed(signoffs) if not _is_superseded(s, signoffs)), None)
        chain.escalations.append(
            EscalationRecord(
                escalation=escalation,
                steps=[_step(e, names) for e in events if e.object_id == str(escalation.pk)],
                signoffs=signoffs,
                current=current,
            )
        )
    return chain


def _is_superseded(signoff: SignOff, signoffs: list[SignOff]) -> bool:
    return any(s.supersedes_id == signoff.pk for s in signoffs)
