"""Read-side queries shared by the pages and the API: the case list with its latest
deliberation, and the outcome filter. Access always starts from ``visible_to``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.db.models import OuterRef, Prefetch, Subquery

from cases.models import Case, CaseQuerySet, Deliberation, DeliberationStatus, Outcome

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

OutcomeFilter = Literal["consensus", "no_consensus", "failed", "deliberating"]

OUTCOME_FILTERS: dict[OutcomeFilter, str] = {
    "consensus": "Consensus",
    "no_consensus": "No consensus (human review)",
    "failed": "Failed",
    "deliberating": "In progress",
}

NEWEST_FIRST = ("-created_at", "-id")


def cases_for(
    user: AbstractBaseUser | AnonymousUser, *, outcome: str | None = None
) -> CaseQuerySet:
    """Cases ``user`` may see, newest first, each with ``latest`` (its most recent
    deliberation or None) available through :func:`latest_deliberation`; optionally only
    those whose latest deliberation has ``outcome`` (a key of OUTCOME_FILTERS; anything
    else filters nothing)."""
    latest = Deliberation.objects.filter(case=OuterRef("pk")).order_by(*NEWEST_FIRST)
    qs = (
        Case.objects.visible_to(user)
        .select_related("submitted_by")
        .annotate(
            latest_outcome=Subquery(latest.values("outcome")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "deliberations",
                queryset=Deliberation.objects.select_related("panel").order_by(*NEWEST_FIRST),
                to_attr="deliberations_newest_first",
            )
        )
        .order_by(*NEWEST_FIRST)
    )
    if outcome == "consensus":
        qs = qs.filter(latest_outcome=Outcome.CONSENSUS)
    elif outcome == "no_consensus":
        qs = qs.filter(latest_outcome=Outcome.NO_CONSENSUS)
    elif outcome == "failed":
        qs = qs.filter(latest_status=DeliberationStatus.FAILED)
    elif outcome == "deliberating":
        qs = qs.filter(latest_status__in=[DeliberationStatus.QUEUED, DeliberationStatus.RUNNING])
    return qs


def latest_deliberation(case: Case) -> Deliberation | None:
    """The case's most recent deliberation (prefetched by :func:`cases_for` when present)."""
    prefetched: list[Deliberation] | None = getattr(case, "deliberations_newest_first", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return case.deliberations.order_by(*NEWEST_FIRST).first()


def visible_deliberation(
    user: AbstractBaseUser | AnonymousUser, deliberation_id: int
) -> Deliberation | None:
    """The deliberation if its case is visible to ``user``; None otherwise (never a 403:
    another clinician's case is indistinguishable from a missing one)."""
    return (
        Deliberation.objects.select_related("case", "panel")
        .filter(pk=deliberation_id, case__in=Case.objects.visible_to(user))
        .first()
    )
