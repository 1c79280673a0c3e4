"""The cases JSON API (django-ninja): submit a case, list and read cases, read a whole
deliberation. Same access rules as the pages: another user's case is a 404.

No ``from __future__ import annotations`` here: ninja reads the operation annotations at
run time to build its request schemas.
"""

import hashlib
import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cases import decision_record, intake, live, protocol, queries, streaming
from cases.models import Case, Deliberation, Proposal, Vote
from consensus_site.pagination import MAX_QUERY_INT, PAGE_SIZE, BoundedPageNumberPagination

log = logging.getLogger(__name__)
router = Router(tags=["cases"])

AfterSeq = Annotated[int, Field(0, ge=0, le=MAX_QUERY_INT)]


# --- schemas ------------------------------------------------------------------------------


class CaseIn(Schema):
    text: str = Field(description="The case as free text.")
    age: int | None = Field(None, ge=0, le=130, description="Age in years.")
    sex: Literal["", "F", "M"] = Field("", description='"F", "M" or "" (not given).')
    panel: str | None = Field(None, description="Panel name; the default panel when omitted.")


class CaseOut(Schema):
    id: int
    text: str
    age: int | None
    sex: str
    status: str
    status_label: str
    submitted_by: str | None
    created_at: datetime
    deliberation_id: int | None
    panel: str | None
    outcome: str
    winner_diagnosis: str
    winner_icd10: str
    elapsed_s: float | None
    page_url: str
    decision: dict[str, Any] = Field(
        description="The current decision: a signed human diagnosis when there is one "
        "(source `human`), otherwise the panel's outcome (`panel`, `no_consensus`, ...)."
    )

    # Resolvers read the case's latest deliberation, so list operations can return a lazy,
    # paginated queryset rather than shaping every row first.
    @staticmethod
    def resolve_status_label(case: Case) -> str:
        return case.get_status_display()

    @staticmethod
    def resolve_submitted_by(case: Case) -> str | None:
        return case.submitted_by.get_username() if case.submitted_by else None

    @staticmethod
    def resolve_deliberation_id(case: Case) -> int | None:
        latest = queries.latest_deliberation(case)
        return latest.pk if latest else None

    @staticmethod
    def resolve_panel(case: Case) -> str | None:
        latest = queries.latest_deliberation(case)
        return latest.snapshot.name if latest else None

    @staticmethod
    def resolve_outcome(case: Case) -> str:
        latest = queries.latest_deliberation(case)
        return latest.outcome if latest else ""

    @staticmethod
    def resolve_winner_diagnosis(case: Case) -> str:
        latest = queries.latest_deliberation(case)
        return latest.winner_diagnosis if latest else ""

    @staticmethod
    def resolve_winner_icd10(case: Case) -> str:
        latest = queries.latest_deliberation(case)
        return latest.winner_icd10 if latest else ""

    @staticmethod
    def resolve_elapsed_s(case: Case) -> float | None:
        latest = queries.latest_deliberation(case)
        return latest.elapsed_s if latest else None

    @staticmethod
    def resolve_decision(case: Case) -> dict[str, Any]:
        latest = queries.latest_deliberation(case)
        return decision_record.decide_current(
            latest, decision_record.signoff_in_force(case)
        ).as_dict()

    @staticmethod
    def resolve_page_url(case: Case) -> str:
        return reverse("cases:detail", args=[case.pk])


class MemberOut(Schema):
    index: int
    alias: str
    provider: str
    model: str
    offline: bool
    status: str


class ProposalOut(Schema):
    member: int
    alias: str
    status: str
    error: str
    diagnosis: str
    icd10: str
    icd10_description: str
    confidence: int | None
    reasoning: str
    differential: list[str]
    class_key: str
    repaired: bool
    latency_ms: int | None
    abstained: bool
    below_threshold: bool
    mark: str = Field(description="Why the answer counts for no class, in words; or empty.")


class VoteOut(Schema):
    member: int
    alias: str
    status: str
    error: str
    letter: str
    for_member: int | None
    class_key: str
    reasoning: str
    repaired: bool
    latency_ms: int | None
    abstained: bool


class DissentOut(Schema):
    member: str
    diagnosis: str
    icd10: str
    severity: int
    source: Literal["proposal", "differential"]
    text: str


class WinnerOut(Schema):
    class_key: str
    diagnosis: str
    icd10: str
    icd10_description: str
    votes: int


class EventOut(Schema):
    seq: int
    type: str
    payload: dict[str, Any]


class DeliberationOut(Schema):
    id: int
    case_id: int
    panel: str
    n: int
    q: int
    f: int
    status: str
    state: Literal["deliberating", "consensus", "no_consensus", "failed"]
    outcome: str
    reason: str
    reason_text: str
    failure: str
    rounds: int
    round2_skipped: str
    winner: WinnerOut | None
    tally: dict[str, int]
    abstentions: int
    dissent: list[DissentOut] = Field(
        description="Confident members who named a high-severity condition outside the consensus."
    )
    members: list[MemberOut]
    proposals: list[ProposalOut]
    votes: list[VoteOut]
    escalation_id: int | None
    input_tokens: int
    output_tokens: int
    cost_usd: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_seq: int
    events: list[EventOut] = Field(description="Events with a sequence number above `after`.")


# --- shaping ------------------------------------------------------------------------------


def deliberation_out(d: Deliberation, *, after: int) -> dict[str, Any]:
    state = live.state_for(d)
    snap = d.snapshot
    aliases = {i: m.alias for i, m in enumerate(snap.members)}
    escalation = d.escalations.order_by("-id").first()
    return {
        "id": d.pk,
        "case_id": d.case_id,
        "panel": snap.name,
        "n": snap.n,
        "q": snap.q,
        "f": snap.f,
        "status": d.status,
        "state": state.state,
        "outcome": d.outcome,
        "reason": d.reason,
        "reason_text": state.reason_text,
        "failure": d.failure,
        "rounds": d.rounds,
        "round2_skipped": d.round2_skipped,
        "winner": d.winner_summary,
        "tally": d.tally,
        "abstentions": d.abstentions,
        "dissent": d.dissent,
        "members": [_member_out(c) for c in state.members],
        "proposals": [_proposal_out(p, aliases) for p in d.proposals.all()],
        "votes": [_vote_out(v, aliases) for v in d.votes.select_related("proposal")],
        "escalation_id": escalation.pk if escalation else None,
        "input_tokens": d.input_tokens,
        "output_tokens": d.output_tokens,
        "cost_usd": str(d.cost_usd),
        "created_at": d.created_at,
        "started_at": d.started_at,
        "finished_at": d.finished_at,
        "last_seq": state.last_seq,
        "events": [
            {"seq": e["seq"], "type": e["type"], "payload": e["payload"]}
            for e in streaming.events_after(d.pk, after)
        ],
    }


def _member_out(c: live.MemberCard) -> dict[str, Any]:
    return {
        "index": c.index,
        "alias": c.alias,
        "provider": c.provider,
        "model": c.model,
        "offline": c.offline,
        "status": c.status,
    }


def _proposal_out(p: Proposal, aliases: dict[int, str]) -> dict[str, Any]:
    return {
        "member": p.member_index,
        "alias": aliases.get(p.member_index, p.alias),
        "status": p.status,
        "error": p.error,
        "diagnosis": p.diagnosis,
        "icd10": p.icd10,
        "icd10_description": protocol.icd10_description(p.icd10),
        "confidence": p.confidence,
        "reasoning": p.reasoning,
        "differential": p.differential,
        "class_key": p.class_key,
        "repaired": p.repaired,
        "latency_ms": p.latency_ms,
        "abstained": p.abstained,
        "below_threshold": p.below_threshold,
        "mark": p.mark,
    }


def _vote_out(v: Vote, aliases: dict[int, str]) -> dict[str, Any]:
    return {
        "member": v.member_index,
        "alias": aliases.get(v.member_index, v.alias),
        "status": v.status,
        "error": v.error,
        "letter": v.letter,
        "for_member": v.proposal.member_index if v.proposal else None,
        "class_key": v.class_key,
        "reasoning": v.reasoning,
        "repaired": v.repaired,
        "latency_ms": v.latency_ms,
        "abstained": v.abstained,
    }


# --- operations ---------------------------------------------------------------------------


SUBMIT_UNAVAILABLE = "The case could not be stored just now; nothing was kept. Try again."
RETRY_AFTER_S = 5
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


@router.post(
    "/cases",
    response={202: CaseOut},
    summary="Submit a case and start its deliberation",
    description=(
        "202 with the case: it is stored with a durable record that it must run, so it runs "
        "even when the task queue is down for a while. 503 with `Retry-After` (JSON, nothing "
        "stored) when the database is unreachable. Send an `Idempotency-Key` header (up to "
        "200 characters) to make retries safe: the same key from the same user returns the "
        "first case instead of creating another. 403 (JSON `detail`, nothing stored) when "
        "the panel is not offered to you: clinicians may use the default panel and those an "
        "administrator offered to clinicians."
    ),
    openapi_extra={
        "responses": {
            "403": {
                "description": "You may not submit cases, or the panel is not offered to you "
                "(nothing is stored).",
                "content": {"application/json": {"schema": DETAIL_SCHEMA}},
            }
        }
    },
)
def submit_case(request: HttpRequest, payload: CaseIn) -> Status[Case] | HttpResponse:
    # Refusals (403, 422, 429) are answered by the API's handler (consensus_site.api).
    try:
        submitted = intake.submit(
            text=payload.text,
            panel_name=payload.panel,
            user=request.auth,  # type: ignore[attr-defined]
            age=payload.age,
            sex=payload.sex,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            request_hash=hashlib.sha256(request.body).hexdigest(),
        )
    except DatabaseError:
        log.exception("case submission could not be stored")
        return JsonResponse(
            {"detail": SUBMIT_UNAVAILABLE},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    return Status(202, submitted.case)


@router.get("/cases", response=list[CaseOut], summary="Cases you may see, newest first")
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def list_cases(
    request: HttpRequest, outcome: Query[queries.OutcomeFilter | None] = None
) -> QuerySet[Case]:
    return queries.cases_for(request.auth, outcome=outcome)  # type: ignore[attr-defined]


@router.get("/cases/{case_id}", response=CaseOut, summary="One case")
def get_case(request: HttpRequest, case_id: int) -> Case:
    case = queries.cases_for(request.auth).filter(pk=case_id).first()  # type: ignore[attr-defined]
    if case is None:
        raise Http404("No such case.")
    return case


@router.get(
    "/deliberations/{deliberation_id}",
    response=DeliberationOut,
    summary="A whole deliberation: proposals, votes, tally, outcome, and events after `after`",
)
def get_deliberation(
    request: HttpRequest, deliberation_id: int, after: Query[AfterSeq] = 0
) -> dict[str, Any]:
    found = queries.visible_deliberation(request.auth, deliberation_id)  # type: ignore[attr-defined]
    if found is None:
        raise Http404("No such deliberation.")
    return deliberation_out(found, after=after)
