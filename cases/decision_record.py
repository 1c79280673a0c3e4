"""The decision record of a case: the panel's outcome, its escalations with every claim,
release, reassignment, sign-off, correction and co-signature (from the audit trail), the
clinician's acknowledgement, and the diagnosis in force with who decided it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import protocol, wording
from cases.escalation import display_name
from cases.models import (
    Acknowledgement,
    AuditEvent,
    Case,
    CaseStatus,
    Deliberation,
    DeliberationStatus,
    Escalation,
    EscalationStatus,
    Outcome,
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
        detail = wording.reason_label(str(payload["reason"]))
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


# --- the current decision -------------------------------------------------------------------

DecisionSource = Literal["human", "awaiting_cosign", "panel", "no_consensus", "pending", "failed"]


@dataclass(frozen=True)
class CurrentDecision:
    """What is true about a case now, in one place. ``source`` says who decided: a signed
    (and, for an override, co-signed) human diagnosis beats the panel's outcome."""

    source: DecisionSource
    title: str
    summary: str
    diagnosis: str = ""
    icd10: str = ""
    signed_by: str = ""
    cosigned_by: str = ""
    signed_at: datetime | None = None
    overridden: bool = False

    @property
    def is_human(self) -> bool:
        return self.source == "human"

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape used by ``GET /api/cases/{id}`` and ``deliberate --json``."""
        return {
            "source": self.source,
            "title": self.title,
            "summary": self.summary,
            "diagnosis": self.diagnosis,
            "icd10": self.icd10,
            "signed_by": self.signed_by or None,
            "cosigned_by": self.cosigned_by or None,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "overridden": self.overridden,
        }


def _when(at: datetime) -> str:
    return f"{timezone.localtime(at):%d %b %Y %H:%M}".lstrip("0")


def decide_current(deliberation: Deliberation | None, signoff: SignOff | None) -> CurrentDecision:
    """The current decision from the latest deliberation and the sign-off in force (the
    latest one nothing supersedes), both possibly None."""
    if signoff is not None:
        return _signed_decision(signoff)
    if deliberation is None or not deliberation.is_terminal:
        return CurrentDecision(
            source="pending", title="Deliberating", summary="The panel is deliberating."
        )
    if deliberation.status == DeliberationStatus.FAILED:
        return CurrentDecision(
            source="failed",
            title="Deliberation failed",
            summary="The deliberation could not finish; the case went to human review.",
        )
    if deliberation.outcome == Outcome.CONSENSUS:
        label = protocol.class_name(
            deliberation.winner_key,
            [protocol.ClassMember(deliberation.winner_diagnosis, deliberation.winner_icd10)],
        ).label
        return CurrentDecision(
            source="panel",
            title="Panel consensus",
            summary=f"Consensus: {label}.",
            diagnosis=deliberation.winner_diagnosis,
            icd10=deliberation.winner_icd10,
        )
    return CurrentDecision(
        source="no_consensus",
        title="No consensus",
        summary="No consensus: the case awaits a human reviewer's diagnosis.",
    )


def _signed_decision(signoff: SignOff) -> CurrentDecision:
    """The sign-off in force, awaiting its co-signature when it overrides the panel."""
    cosig = getattr(signoff, "cosignature", None)
    who = signoff.signer.get_username()
    code = f"{signoff.diagnosis} {signoff.icd10}".strip()
    if signoff.overrides_panel and cosig is None:
        return CurrentDecision(
            source="awaiting_cosign",
            title="Awaiting co-signature",
            summary=(
                f"Signed by {who}, {_when(signoff.created_at)}: {code}; it overrides "
                "the panel and needs a second reviewer's co-signature."
            ),
            diagnosis=signoff.diagnosis,
            icd10=signoff.icd10,
            signed_by=who,
            signed_at=signoff.created_at,
            overridden=True,
        )
    cosigner = cosig.signer.get_username() if cosig is not None else ""
    by = f"Signed by {who}" + (f", co-signed by {cosigner}" if cosigner else "")
    tail = "; the panel's answer was overridden" if signoff.overrides_panel else ""
    return CurrentDecision(
        source="human",
        title="Signed human diagnosis",
        summary=f"{by}, {_when(signoff.created_at)}: {code}{tail}.",
        diagnosis=signoff.diagnosis,
        icd10=signoff.icd10,
        signed_by=who,
        cosigned_by=cosigner,
        signed_at=signoff.created_at,
        overridden=signoff.overrides_panel,
    )


def _signoffs_in_force(case_ids: list[int]) -> dict[int, SignOff]:
    rows = (
        SignOff.objects.filter(escalation__case_id__in=case_ids, superseded_by__isnull=True)
        .select_related("signer", "cosignature__signer", "escalation")
        .order_by("created_at", "id")
    )
    return {s.escalation.case_id: s for s in rows}  # the latest per case wins


def current_decisions(
    cases: list[Case], deliberations: dict[int, Deliberation | None]
) -> dict[int, CurrentDecision]:
    """The current decision of each case (two queries for any number of cases);
    ``deliberations`` maps a case id to its latest deliberation."""
    signoffs = _signoffs_in_force([c.pk for c in cases])
    return {c.pk: decide_current(deliberations.get(c.pk), signoffs.get(c.pk)) for c in cases}


def signoff_in_force(case: Case) -> SignOff | None:
    """The sign-off in force on any of the case's escalations, or None."""
    return _signoffs_in_force([case.pk]).get(case.pk)


def current_decision(case: Case) -> CurrentDecision:
    """The current decision of one case: the one function the case page, the case list,
    the API and ``deliberate --json`` use."""
    latest = case.deliberations.order_by("-created_at", "-id").first()
    return current_decisions([case], {case.pk: latest})[case.pk]


def escalation_state(case: Case) -> str:
    """Where the case's latest escalation stands, in words a clinician can read (they may
    not open the escalation itself); "" when the case was never escalated."""
    escalation = (
        case.escalations.select_related("claimed_by").order_by("-created_at", "-id").first()
    )
    if escalation is None:
        return ""
    reason = wording.reason_label(escalation.reason)
    if escalation.status == EscalationStatus.OPEN:
        return (
            f"Human review: queued since {_when(escalation.created_at)} ({reason}); "
            "no reviewer has claimed it yet."
        )
    if escalation.status == EscalationStatus.CLAIMED:
        who = escalation.claimed_by.get_username() if escalation.claimed_by else "a reviewer"
        since = _when(escalation.claimed_at) if escalation.claimed_at else ""
        return f"Human review: claimed by {who}{', ' + since if since else ''} ({reason})."
    if escalation.status == EscalationStatus.AWAITING_COSIGN:
        return "Human review: signed, awaiting a second reviewer's co-signature."
    done = _when(escalation.resolved_at) if escalation.resolved_at else ""
    return f"Human review: signed{', ' + done if done else ''}."
