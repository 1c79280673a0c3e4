"""Writes of the escalation queue: create, claim, release, reassign, sign off, correct,
co-sign, and the clinician's acknowledgement of a consensus.

Every write here is one ``transaction.atomic`` block that also appends to the audit trail;
a refused request raises :class:`EscalationError` (its message is one of the constants in
``errors``) and changes nothing. Claiming is a conditional ``UPDATE ... WHERE claimed_by IS
NULL`` whose row count says who won, so two simultaneous claims never both succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts import lockout
from cases import audit, rows, streaming
from cases.escalation.diagnosis import Diagnosis, choose
from cases.escalation.errors import (
    ALREADY_ACKNOWLEDGED,
    ALREADY_CLAIMED,
    ALREADY_RESOLVED,
    AWAITING_COSIGNATURE,
    CLAIMED_BY_OTHER,
    COSIGN_BY_SIGNER,
    DISPUTE_NEEDS_COMMENT,
    EMPTY_RATIONALE,
    LOCKED_OUT,
    NOT_A_CONSENSUS,
    NOT_A_REVIEWER,
    NOT_AN_ADMINISTRATOR,
    NOT_CLAIMED,
    NOT_FOUND,
    NOT_SUBMITTER,
    NOT_YOUR_CLAIM,
    NOTHING_TO_CORRECT,
    NOTHING_TO_COSIGN,
    REASSIGN_TARGET_NOT_REVIEWER,
    UNKNOWN_DECISION,
    UNKNOWN_USER,
    WRONG_PASSWORD,
    ErrorKind,
    EscalationError,
)
from cases.escalation.selectors import (
    Candidate,
    allowed_actions,
    announcement,
    candidates,
    current_signoff,
    display_name,
    get,
)
from cases.escalation.severity import head_start
from cases.models import (
    Acknowledgement,
    AcknowledgementDecision,
    Case,
    CaseStatus,
    CoSignature,
    Deliberation,
    Escalation,
    EscalationReason,
    EscalationStatus,
    Outcome,
    Role,
    SignOff,
    has_role,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

log = logging.getLogger(__name__)

GROUP = "escalations"
"""The channel group every open queue page joins."""


def _gate(escalation_id: int, user: AbstractBaseUser | AnonymousUser) -> None:
    # Every write passes the queue's access gate first, so a caller needs no check of its
    # own: an escalation of a case the user cannot see is "not found".
    get(escalation_id, user=user)


def _require_reviewer(user: AbstractBaseUser | AnonymousUser) -> None:
    if not has_role(user, Role.REVIEWER):
        raise EscalationError(NOT_A_REVIEWER, kind=ErrorKind.FORBIDDEN)


def _most_severe(found: Iterable[Candidate]) -> int | None:
    severities = [c.severity for c in found if c.severity is not None]
    return min(severities) if severities else None


def announce(escalation_id: int) -> None:
    """Send a new escalation to every open queue page (the ``escalations`` group) through the
    one publisher, ``streaming.broadcast``. Called on commit; a missing channel layer or a
    send failure never breaks the escalation itself."""
    try:
        escalation = Escalation.objects.select_related("case", "deliberation").get(pk=escalation_id)
        payload = dict(announcement(escalation))
    except Exception:  # the row is committed; a lost live update is recovered by a reload
        log.exception("could not announce escalation %s", escalation_id)
        return
    streaming.broadcast(GROUP, {"type": "escalation.created", "escalation": payload})


def _announce_created(escalation: Escalation, found: list[Candidate]) -> None:
    # What announce() sends, from the rows create() has just written and the candidates it
    # ranked them by: nothing is read again.
    try:
        payload = dict(announcement(escalation, found=found))
    except Exception:  # as in announce(): a lost live update is recovered by a reload
        log.exception("could not announce escalation %s", escalation.pk)
        return
    streaming.broadcast(GROUP, {"type": "escalation.created", "escalation": payload})


def create(
    deliberation: Deliberation,
    *,
    reason: str,
    actor_id: int | None = None,
    found: list[Candidate] | None = None,
) -> Escalation:
    """Put ``deliberation``'s case in the queue for ``reason`` (an :class:`EscalationReason`),
    ranked by the severity of its candidate diagnoses, record ``escalation.created`` and
    announce it to open queue pages once the transaction commits. ``found``: the
    deliberation's candidates when the caller already holds them (see
    :func:`~cases.escalation.selectors.candidates_from`); else they are read."""
    with transaction.atomic():
        if found is None:
            found = candidates(deliberation)
        severity = _most_severe(found)
        now = timezone.now()
        audit_open = _open_audit(deliberation.case_id)
        if audit_open is not None and reason != EscalationReason.AUDIT:
            return _upgrade(audit_open, reason=reason, severity=severity, actor_id=actor_id)
        # An audit gets no head start: it ranks by waiting time, after every other reason.
        start = timedelta(0) if reason == EscalationReason.AUDIT else head_start(severity)
        escalation = Escalation(
            case=deliberation.case,
            deliberation=deliberation,
            reason=reason,
            severity=severity,
            priority=int(start.total_seconds() // 3600),
            rank_at=now - start,
        )
        rows.insert(escalation)  # plain SQL: inside a run's last write (issue 14)
        audit.record(
            "escalation.created",
            obj=escalation,
            actor_id=actor_id,
            payload={"reason": reason, "case": deliberation.case_id, "severity": severity},
        )
        announced = found
        transaction.on_commit(lambda: _announce_created(escalation, announced))
    return escalation


def _open_audit(case_id: int) -> Escalation | None:
    # Asked inside the last write of every run that ends in NO CONSENSUS, and an open audit is
    # rare: the id in plain SQL (the ORM spent ~1.5 ms compiling this query), locked like the
    # row it names. A case has at most one open escalation (one_open_escalation_per_case).
    table = connection.ops.quote_name(Escalation._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE case_id = %s AND reason = %s AND status <> %s{lock}",
            [case_id, EscalationReason.AUDIT, EscalationStatus.RESOLVED],
        )
        found = cursor.fetchone()
    return None if found is None else rows.fetch(Escalation, "id", found[0])


def _upgrade(
    escalation: Escalation, *, reason: str, severity: int | None, actor_id: int | None
) -> Escalation:
    # A case has one open escalation: a dispute of an audited consensus turns the audit into
    # the dispute, ranked as one from now, and keeps whoever already claimed it.
    now = timezone.now()
    escalation.reason = reason
    escalation.severity = severity
    escalation.priority = int(head_start(severity).total_seconds() // 3600)
    escalation.rank_at = now - head_start(severity)
    escalation.save(update_fields=["reason", "severity", "priority", "rank_at"])
    audit.record(
        "escalation.reason_changed",
        obj=escalation,
        actor_id=actor_id,
        payload={"from": EscalationReason.AUDIT, "to": reason, "case": escalation.case_id},
    )
    return escalation


def _locked(escalation_id: int) -> Escalation:
    try:
        return (
            # Lock the escalation row only: PostgreSQL cannot lock the nullable side of the
            # outer joins that select_related makes.
            Escalation.objects.select_for_update(of=("self",))
            .select_related("case", "deliberation", "claimed_by")
            .get(pk=escalation_id)
        )
    except Escalation.DoesNotExist:
        raise EscalationError(
            NOT_FOUND.format(id=escalation_id), kind=ErrorKind.NOT_FOUND
        ) from None


# --- claim, release, reassign --------------------------------------------------------------


def claim(escalation_id: int, *, user: User) -> Escalation:
    """Claim an open escalation for ``user``. Exactly one of several simultaneous claims
    wins; the others get :data:`ALREADY_CLAIMED` naming the winner."""
    _gate(escalation_id, user)
    _require_reviewer(user)
    with transaction.atomic():
        now = timezone.now()
        won = Escalation.objects.filter(
            pk=escalation_id, claimed_by__isnull=True, status=EscalationStatus.OPEN
        ).update(claimed_by=user, claimed_at=now, status=EscalationStatus.CLAIMED)
        escalation = _locked(escalation_id)
        if won != 1:
            raise _not_claimable(escalation)
        audit.record(
            "escalation.claimed",
            obj=escalation,
            actor_id=user.pk,
            payload={"case": escalation.case_id},
        )
    return escalation


def _not_claimable(escalation: Escalation) -> EscalationError:
    if escalation.status == EscalationStatus.RESOLVED:
        return EscalationError(ALREADY_RESOLVED, kind=ErrorKind.CONFLICT)
    if escalation.status == EscalationStatus.AWAITING_COSIGN:
        return EscalationError(AWAITING_COSIGNATURE, kind=ErrorKind.CONFLICT)
    return EscalationError(
        ALREADY_CLAIMED.format(name=display_name(escalation.claimed_by)), kind=ErrorKind.CONFLICT
    )


def release(escalation_id: int, *, user: User) -> Escalation:
    """Give back an escalation ``user`` has claimed, so it is open again."""
    _gate(escalation_id, user)
    _require_reviewer(user)
    with transaction.atomic():
        released = Escalation.objects.filter(
            pk=escalation_id, claimed_by=user, status=EscalationStatus.CLAIMED
        ).update(claimed_by=None, claimed_at=None, status=EscalationStatus.OPEN)
        escalation = _locked(escalation_id)
        if released != 1:
            raise EscalationError(NOT_YOUR_CLAIM, kind=ErrorKind.CONFLICT)
        audit.record("escalation.released", obj=escalation, actor_id=user.pk)
    return escalation


def reassign(escalation_id: int, *, admin: User, to_username: str) -> Escalation:
    """An administrator hands an unresolved, unsigned escalation to the reviewer named
    ``to_username`` (claimed on their behalf), whoever held it before."""
    _gate(escalation_id, admin)
    if not has_role(admin, Role.ADMINISTRATOR):
        raise EscalationError(NOT_AN_ADMINISTRATOR, kind=ErrorKind.FORBIDDEN)
    target = get_user_model().objects.filter(username=to_username).first()
    if target is None:
        raise EscalationError(UNKNOWN_USER.format(name=to_username))
    if not has_role(target, Role.REVIEWER):
        raise EscalationError(REASSIGN_TARGET_NOT_REVIEWER.format(name=display_name(target)))
    with transaction.atomic():
        escalation = _locked(escalation_id)
        if escalation.status not in {EscalationStatus.OPEN, EscalationStatus.CLAIMED}:
            raise _not_claimable(escalation)
        previous = escalation.claimed_by
        escalation.claimed_by = target
        escalation.claimed_at = timezone.now()
        escalation.status = EscalationStatus.CLAIMED
        escalation.save(update_fields=["claimed_by", "claimed_at", "status"])
        audit.record(
            "escalation.reassigned",
            obj=escalation,
            actor_id=admin.pk,
            payload={
                "from": previous.get_username() if previous else None,
                "to": target.get_username(),
            },
        )
    return escalation


# --- signing ------------------------------------------------------------------------------


def _check_signature(user: User, password: str, rationale: str | None) -> None:
    if rationale is not None and not rationale.strip():
        raise EscalationError(EMPTY_RATIONALE)
    # Wrong signing passwords count toward the same lockout as the login (accounts.lockout).
    checked = lockout.check_password(user, password, scope="signoff")
    if checked is not lockout.Check.OK:
        locked = checked is lockout.Check.LOCKED
        raise EscalationError(LOCKED_OUT if locked else WRONG_PASSWORD, kind=ErrorKind.FORBIDDEN)


def _settle(escalation: Escalation, signoff: SignOff) -> None:
    """Set the escalation and case status after a signature: final, or awaiting a co-sign."""
    now = timezone.now()
    case = escalation.case
    if signoff.overrides_panel and not CoSignature.objects.filter(signoff=signoff).exists():
        escalation.status = EscalationStatus.AWAITING_COSIGN
        escalation.resolved_at = None
        case.status = CaseStatus.AWAITING_COSIGN
    else:
        escalation.status = EscalationStatus.RESOLVED
        escalation.resolved_at = now
        case.status = CaseStatus.RESOLVED
    escalation.save(update_fields=["status", "resolved_at"])
    case.save(update_fields=["status", "updated_at"])


class Signature(TypedDict):
    """What a signer sends with a sign-off or a correction: who signs, their password, the
    rationale, and the diagnosis (one of the panel's proposals, or another with a billable
    ICD-10-CM code)."""

    user: User
    password: str
    rationale: str
    proposal_id: NotRequired[int | None]
    icd10: NotRequired[str]
    diagnosis: NotRequired[str]


def sign_off(escalation_id: int, **signature: Unpack[Signature]) -> SignOff:
    """Sign the final diagnosis of an escalation ``user`` has claimed: one of the panel's
    proposals (``proposal_id``) or another diagnosis with a billable ICD-10-CM code. Needs a
    non-empty rationale and the signer's password. A diagnosis outside every panel proposal
    class leaves the case awaiting a second reviewer's co-signature; otherwise it is final."""
    return _signed(escalation_id, correcting=False, **signature)


def correct(escalation_id: int, **signature: Unpack[Signature]) -> SignOff:
    """Correct a signed escalation: a new sign-off, with its own rationale and signature,
    that supersedes the one in force (which stays in the history). The same diagnosis rules
    as :func:`sign_off`, including the co-signature for a panel override."""
    return _signed(escalation_id, correcting=True, **signature)


def _signed(escalation_id: int, *, correcting: bool, **signature: Unpack[Signature]) -> SignOff:
    # The one path of a signature: the gate, the signer's role, the password and rationale
    # (outside the transaction, so that failures count), then the rule of the action.
    user, rationale = signature["user"], signature["rationale"]
    _gate(escalation_id, user)
    _require_reviewer(user)
    _check_signature(user, signature["password"], rationale)
    with transaction.atomic():
        escalation = _locked(escalation_id)
        previous = _superseded(escalation, user, correcting=correcting)
        chosen = choose(
            escalation,
            proposal_id=signature.get("proposal_id"),
            icd10=signature.get("icd10", ""),
            diagnosis=signature.get("diagnosis", ""),
        )
        return _sign(escalation, user=user, chosen=chosen, rationale=rationale, supersedes=previous)


def _superseded(escalation: Escalation, user: User, *, correcting: bool) -> SignOff | None:
    # What the new sign-off supersedes: nothing for a first one, the one in force for a
    # correction; refused as allowed_actions says.
    actions = allowed_actions(escalation, user)
    if not correcting:
        if not actions.sign:
            raise _cannot_sign(escalation)
        return None
    previous = current_signoff(escalation)
    if not actions.correct or previous is None:
        raise EscalationError(NOTHING_TO_CORRECT, kind=ErrorKind.CONFLICT)
    return previous


def _cannot_sign(escalation: Escalation) -> EscalationError:
    # Why allowed_actions refused a sign-off: not claimed, not claimable, or someone else's.
    if escalation.status == EscalationStatus.OPEN:
        return EscalationError(NOT_CLAIMED, kind=ErrorKind.CONFLICT)
    if escalation.status != EscalationStatus.CLAIMED:
        return _not_claimable(escalation)
    return EscalationError(
        CLAIMED_BY_OTHER.format(name=display_name(escalation.claimed_by)),
        kind=ErrorKind.CONFLICT,
    )


def _sign(
    escalation: Escalation,
    *,
    user: User,
    chosen: Diagnosis,
    rationale: str,
    supersedes: SignOff | None,
) -> SignOff:
    # The one place a sign-off row is written (first signature or correction), settled and
    # audited; callers hold the escalation's row lock.
    signoff = SignOff.objects.create(
        escalation=escalation,
        signer=user,
        diagnosis=chosen.diagnosis,
        icd10=chosen.icd10,
        rationale=rationale.strip(),
        chosen_proposal=chosen.proposal,
        overrides_panel=chosen.overrides_panel,
        supersedes=supersedes,
    )
    _settle(escalation, signoff)
    payload = _signoff_payload(signoff)
    if supersedes is not None:
        payload["supersedes"] = supersedes.pk
    action = "escalation.corrected" if supersedes else "escalation.signed"
    audit.record(action, obj=escalation, actor_id=user.pk, payload=payload)
    return signoff


def co_sign(escalation_id: int, *, user: User, password: str, note: str = "") -> CoSignature:
    """A second reviewer co-signs the sign-off that overrides the panel, making it final.
    The first signer cannot co-sign; the password is required."""
    _gate(escalation_id, user)
    _require_reviewer(user)
    _check_signature(user, password, None)
    with transaction.atomic():
        escalation = _locked(escalation_id)
        signoff = current_signoff(escalation)
        if not allowed_actions(escalation, user).cosign or signoff is None:
            # The one refusal that is not "nothing to co-sign": the signer's own signature.
            if escalation.status == EscalationStatus.AWAITING_COSIGN and signoff is not None:
                raise EscalationError(COSIGN_BY_SIGNER, kind=ErrorKind.FORBIDDEN)
            raise EscalationError(NOTHING_TO_COSIGN, kind=ErrorKind.CONFLICT)
        cosignature = CoSignature.objects.create(signoff=signoff, signer=user, note=note.strip())
        _settle(escalation, signoff)
        audit.record(
            "escalation.cosigned",
            obj=escalation,
            actor_id=user.pk,
            payload={"signoff": signoff.pk, "note": cosignature.note},
        )
    return cosignature


def _signoff_payload(signoff: SignOff) -> dict[str, Any]:
    return {
        "signoff": signoff.pk,
        "diagnosis": signoff.diagnosis,
        "icd10": signoff.icd10,
        "proposal": signoff.chosen_proposal_id,
        "overrides_panel": signoff.overrides_panel,
        "rationale": signoff.rationale,
    }


# --- the clinician's acknowledgement -----------------------------------------------------------


def acknowledge(case_id: int, *, user: User, decision: str, comment: str = "") -> Acknowledgement:
    """The submitting clinician accepts the consensus of their case, or disputes it (a
    comment is required), which sends the case to the queue with reason ``disputed``."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.submitted_by_id != user.pk:
            raise EscalationError(NOT_SUBMITTER, kind=ErrorKind.FORBIDDEN)
        deliberation = case.deliberations.order_by("-created_at", "-id").first()
        if (
            case.status != CaseStatus.CONSENSUS
            or deliberation is None
            or deliberation.outcome != Outcome.CONSENSUS
        ):
            raise EscalationError(NOT_A_CONSENSUS, kind=ErrorKind.CONFLICT)
        existing = Acknowledgement.objects.filter(deliberation=deliberation).first()
        if existing is not None:
            raise EscalationError(
                ALREADY_ACKNOWLEDGED.format(decision=existing.get_decision_display().lower()),
                kind=ErrorKind.CONFLICT,
            )
        if decision not in AcknowledgementDecision.values:
            raise EscalationError(UNKNOWN_DECISION)
        if decision == AcknowledgementDecision.DISPUTE and not comment.strip():
            raise EscalationError(DISPUTE_NEEDS_COMMENT)
        ack = Acknowledgement.objects.create(
            deliberation=deliberation, clinician=user, decision=decision, comment=comment.strip()
        )
        audit.record(
            f"case.{'accepted' if decision == AcknowledgementDecision.ACCEPT else 'disputed'}",
            obj=case,
            actor_id=user.pk,
            payload={"deliberation": deliberation.pk, "comment": ack.comment},
        )
        if decision == AcknowledgementDecision.DISPUTE:
            case.status = CaseStatus.ESCALATED
            case.save(update_fields=["status", "updated_at"])
            create(deliberation, reason=EscalationReason.DISPUTED, actor_id=user.pk)
    return ack
