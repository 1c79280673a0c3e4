"""Reads of the escalation queue: who may see it, the queue itself, one escalation, its
candidate diagnoses, the sign-off in force, and the payload a queue page receives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Case as SqlCase
from django.db.models import Q, QuerySet, When

from cases import protocol
from cases.escalation.errors import NOT_A_REVIEWER, NOT_FOUND, ErrorKind, EscalationError
from cases.escalation.severity import priority_now, severity_of
from cases.models import (
    Case,
    Deliberation,
    Escalation,
    EscalationReason,
    EscalationStatus,
    Proposal,
    Role,
    SignOff,
    TurnStatus,
    Vote,
    has_role,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

QUEUE_FILTERS: dict[str, str] = {
    "open": "All open",
    "mine": "Claimed by me",
    "unclaimed": "Unclaimed",
    "cosign": "Awaiting co-signature",
    "resolved": "Resolved",
}


def display_name(user: AbstractBaseUser | None) -> str:
    """A user as the record shows them: full name, else username; "nobody" for None."""
    if user is None:
        return "nobody"
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or user.get_username())


def can_view_queue(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Reviewers work the queue; administrators see it to reassign."""
    return has_role(user, Role.REVIEWER) or has_role(user, Role.ADMINISTRATOR)


# --- candidates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One diagnosis class the panel put forward, with its Round 2 vote count."""

    class_key: str
    diagnosis: str
    icd10: str
    description: str
    votes: int
    proposals: int
    severity: int | None
    proposal_ids: tuple[int, ...]


def candidates(deliberation: Deliberation | None) -> list[Candidate]:
    """The valid proposals of ``deliberation`` grouped by class, most votes first. An
    abstention names no diagnosis, so it is no candidate."""
    if deliberation is None:
        return []
    proposals = list(
        deliberation.proposals.filter(status=TurnStatus.OK, abstained=False).order_by(
            "member_index"
        )
    )
    vote_keys = list(
        deliberation.votes.filter(status=TurnStatus.OK).values_list("class_key", flat=True)
    )
    return _grouped(proposals, vote_keys)


def candidates_from(proposals: Iterable[Proposal], votes: Iterable[Vote]) -> list[Candidate]:
    """What :func:`candidates` reads from the database, from rows already in memory: pass
    every proposal and every vote of the deliberation (any status; they are filtered the
    same way), as the run that just wrote them holds them."""
    named = sorted(
        (p for p in proposals if p.status == TurnStatus.OK and not p.abstained),
        key=lambda p: p.member_index,
    )
    return _grouped(named, [v.class_key for v in votes if v.status == TurnStatus.OK])


def _grouped(proposals: list[Proposal], vote_keys: list[str]) -> list[Candidate]:
    # Proposals in member order, grouped by class and led by the most confident.
    counts = protocol.tally(vote_keys)
    grouped: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        grouped.setdefault(proposal.class_key, []).append(proposal)
    result = []
    for key, members in grouped.items():
        lead = max(members, key=lambda p: (p.confidence or 0, -p.member_index))
        result.append(
            Candidate(
                class_key=key,
                diagnosis=lead.diagnosis,
                icd10=lead.icd10,
                description=protocol.icd10_description(lead.icd10),
                votes=counts.get(key, 0),
                proposals=len(members),
                severity=severity_of(lead.icd10),
                proposal_ids=tuple(p.pk for p in members),
            )
        )
    result.sort(key=lambda c: (-c.votes, -c.proposals, c.diagnosis))
    return result


class EscalationAnnouncement(TypedDict):
    """What an open queue page receives when a case is escalated."""

    type: Literal["escalation.created"]
    id: int
    case: int
    reason: str
    reason_display: str
    priority: int
    severity: int | None
    summary: str
    candidates: list[str]
    url: str


def announcement(
    escalation: Escalation, *, found: list[Candidate] | None = None
) -> EscalationAnnouncement:
    """The queue-page payload for ``escalation`` (JSON-serialisable); ``found``, its
    candidates when the caller already has them (else they are read)."""
    if found is None:
        found = candidates(escalation.deliberation)
    return EscalationAnnouncement(
        type="escalation.created",
        id=escalation.pk,
        case=escalation.case_id,
        reason=escalation.reason,
        reason_display=escalation.reason_text,
        priority=priority_now(escalation),
        severity=escalation.severity,
        summary=summary(escalation.case),
        candidates=[f"{c.diagnosis} ({c.icd10 or 'no code'}): {c.votes} votes" for c in found],
        url=f"/escalations/{escalation.pk}/",
    )


def summary(case: Case, *, limit: int = 160) -> str:
    """The first ``limit`` characters of the case text, on one line."""
    text = " ".join(case.text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the queue ----------------------------------------------------------------------------


def queue(user: AbstractBaseUser | AnonymousUser, *, show: str = "open") -> QuerySet[Escalation]:
    """Escalations ``user`` may see, filtered by ``show`` (one of :data:`QUEUE_FILTERS`),
    highest priority first (resolved: most recently resolved first)."""
    rows = visible_to(user)
    if show == "resolved":
        return rows.filter(status=EscalationStatus.RESOLVED).order_by("-resolved_at", "-id")
    # Audits check decided cases: every other reason comes first, whatever its age.
    rows = rows.order_by(
        SqlCase(When(reason=EscalationReason.AUDIT, then=1), default=0), "rank_at", "id"
    )
    unresolved = ~Q(status=EscalationStatus.RESOLVED)
    if show == "mine":
        return rows.filter(unresolved, claimed_by=user)  # type: ignore[misc]
    if show == "unclaimed":
        return rows.filter(status=EscalationStatus.OPEN)
    if show == "cosign":
        return rows.filter(status=EscalationStatus.AWAITING_COSIGN)
    return rows.filter(unresolved)


def visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Escalation]:
    """The one access gate of the queue: the escalations of cases ``user`` may see, or
    EscalationError (forbidden) when ``user`` does not work the queue."""
    if not can_view_queue(user):
        raise EscalationError(NOT_A_REVIEWER, kind=ErrorKind.FORBIDDEN)
    return Escalation.objects.filter(case__in=Case.objects.visible_to(user)).select_related(
        "case", "deliberation", "claimed_by"
    )


def get(escalation_id: int, *, user: AbstractBaseUser | AnonymousUser) -> Escalation:
    """The escalation if ``user`` may work the queue and see its case, else EscalationError."""
    try:
        return visible_to(user).get(pk=escalation_id)
    except Escalation.DoesNotExist:
        raise EscalationError(
            NOT_FOUND.format(id=escalation_id), kind=ErrorKind.NOT_FOUND
        ) from None


def current_signoff(escalation: Escalation) -> SignOff | None:
    """The sign-off in force: the latest one no later sign-off supersedes."""
    return (
        escalation.signoffs.filter(superseded_by__isnull=True)
        .select_related("signer", "chosen_proposal")
        .order_by("-created_at", "-id")
        .first()
    )


def reviewer_names() -> list[str]:
    """Usernames of everyone who can be assigned an escalation, for the reassign form."""
    users = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=Role.REVIEWER), is_active=True
    )
    return sorted({str(u.get_username()) for u in users})


@dataclass(frozen=True)
class Actions:
    """What a user may do to an escalation now, by the rules the writes enforce."""

    sign: bool
    cosign: bool
    correct: bool


def allowed_actions(escalation: Escalation, user: AbstractBaseUser | AnonymousUser) -> Actions:
    """Whether ``user`` may sign off ``escalation`` (they hold its claim), co-sign it (it
    awaits a second reviewer and they did not sign it) or correct it (it has a sign-off).
    The detail page offers exactly these; the sign-off, co-signature and correction writes
    refuse what they exclude."""
    current = current_signoff(escalation)
    reviewer = has_role(user, Role.REVIEWER)
    return Actions(
        sign=escalation.status == EscalationStatus.CLAIMED and escalation.claimed_by_id == user.pk,
        cosign=(
            escalation.status == EscalationStatus.AWAITING_COSIGN
            and current is not None
            and current.signer_id != user.pk
            and reviewer
        ),
        correct=current is not None and reviewer,
    )
