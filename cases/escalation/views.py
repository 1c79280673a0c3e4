"""The human review pages: the queue, one escalation (claim, release, reassign, sign off,
co-sign, correct), the ICD-10-CM lookup, a case's decision record and the clinician's
accept / dispute. Every rule lives in ``cases.escalation``; these views parse and render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedRequest
from cases import decision_record, escalation, protocol, wording
from cases.escalation import ErrorKind, EscalationError
from cases.escalation.forms import (
    OTHER,
    AcknowledgeForm,
    CoSignForm,
    QueueSearchForm,
    ReassignForm,
    SignOffForm,
)
from cases.models import (
    AcknowledgementDecision,
    Case,
    CaseStatus,
    Escalation,
    Role,
    TurnStatus,
    has_role,
)
from consensus_site.pagination import PAGE_SIZE


def age_text(age: timedelta) -> str:
    """A queue age as a person reads it: "45 min", "3 h 10 min", "2 d 4 h"."""
    minutes = max(0, int(age.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _get_or_404(escalation_id: int, user: User) -> Escalation:
    try:
        return escalation.get(escalation_id, user=user)
    except EscalationError as exc:
        if exc.kind == ErrorKind.FORBIDDEN:
            raise PermissionDenied(str(exc)) from None
        raise Http404(str(exc)) from None


@require_GET
@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """Open escalations, highest priority first; filters mine / unclaimed / co-sign /
    resolved; paginated. New escalations arrive live over ``ws/escalations/``."""
    show = request.GET.get("show", "open")
    if show not in escalation.QUEUE_FILTERS:
        show = "open"
    try:
        rows = escalation.queue(request.user, show=show)
    except EscalationError as exc:
        raise PermissionDenied(str(exc)) from None
    search = QueueSearchForm(request.GET or None)
    terms = search.cleaned_data if search.is_valid() else {}
    if terms.get("q"):
        rows = rows.filter(case__text__icontains=terms["q"])
    if terms.get("reason"):
        rows = rows.filter(reason=terms["reason"])
    row_id = request.GET.get("row", "")
    if row_id.isdigit():
        # One row as the server renders it: the live queue inserts exactly this markup.
        found = rows.filter(pk=int(row_id)).first()
        if found is None:
            raise Http404("No such escalation in this queue.")
        return render(request, "escalations/queue.html#row", {"row": _queue_row(found)})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    searching = bool(terms.get("q") or terms.get("reason"))
    context: dict[str, Any] = {
        "page": page,
        "items": [_queue_row(e) for e in page.object_list],
        "show": show,
        "show_label": escalation.QUEUE_FILTERS[show],
        "filters": escalation.QUEUE_FILTERS,
        "search": search,
        "searching": searching,
        # Only the unfiltered first page takes live arrivals: elsewhere they would not belong.
        "live": show in {"open", "unclaimed"} and page.number == 1 and not searching,
    }
    return render(request, "escalations/queue.html", context)


def _queue_row(e: Escalation) -> dict[str, Any]:
    deliberation = e.deliberation
    n = deliberation.snapshot.n if deliberation else 0
    skipped = bool(deliberation and deliberation.round2_skipped)
    lines = [
        wording.candidate_line(
            protocol.class_name(c.class_key, [protocol.ClassMember(c.diagnosis, c.icd10)]).label,
            votes=c.votes,
            proposals=c.proposals,
            n=n,
            round2_skipped=skipped,
        )
        for c in escalation.candidates(deliberation)
    ]
    return {
        "escalation": e,
        "summary": escalation.summary(e.case),
        "candidate_lines": lines,
        "reason_label": e.reason_text,
        "priority": escalation.priority_now(e),
        "age_text": age_text(escalation.age(e)),
    }


def _detail_context(request: AuthenticatedRequest, item: Escalation) -> dict[str, Any]:
    deliberation = item.deliberation
    proposals = (
        list(deliberation.proposals.order_by("member_index").prefetch_related("votes_received"))
        if deliberation
        else []
    )
    votes = (
        list(deliberation.votes.select_related("proposal").order_by("member_index"))
        if deliberation
        else []
    )
    user = request.user
    current = escalation.current_signoff(item)
    actions = escalation.allowed_actions(item, user)
    return {
        "item": item,
        "case": item.case,
        "deliberation": deliberation,
        "proposals": proposals,
        "valid_proposals": [p for p in proposals if p.status == TurnStatus.OK],
        "votes": votes,
        "candidates": escalation.candidates(deliberation),
        "priority": escalation.priority_now(item),
        "age_text": age_text(escalation.age(item)),
        "chain": decision_record.case_chain(item.case),
        "current": current,
        "is_reviewer": has_role(user, Role.REVIEWER),
        "is_admin": has_role(user, Role.ADMINISTRATOR),
        "mine": item.claimed_by_id == user.pk,
        "can_sign": actions.sign,
        "can_cosign": actions.cosign,
        "can_correct": actions.correct,
        "reviewers": escalation.reviewer_names(),
        "OTHER": OTHER,
        "sign_form": SignOffForm(),
        "cosign_form": CoSignForm(),
        "correct_form": SignOffForm(prefix="correct"),
    }


@require_GET
@login_required
def detail(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    """One escalation: the case, the whole deliberation, the decision record, and the
    actions open to this user."""
    item = _get_or_404(escalation_id, request.user)
    return render(request, "escalations/detail.html", _detail_context(request, item))


def _done(request: AuthenticatedRequest, escalation_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("escalations:detail", escalation_id=escalation_id)


def _refused(
    request: AuthenticatedRequest, escalation_id: int, exc: EscalationError, **forms: Any
) -> HttpResponse:
    """Show the page again with the refusal, keeping what was typed (never the password)."""
    item = _get_or_404(escalation_id, request.user)
    context = _detail_context(request, item)
    context.update(forms)
    context["error"] = str(exc)
    return render(request, "escalations/detail.html", context, status=exc.http_status)


@require_POST
@login_required
def claim(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    try:
        escalation.claim(escalation_id, user=request.user)
    except EscalationError as exc:
        return _refused(request, escalation_id, exc)
    return _done(request, escalation_id, "You claimed this escalation.")


@require_POST
@login_required
def release(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    try:
        escalation.release(escalation_id, user=request.user)
    except EscalationError as exc:
        return _refused(request, escalation_id, exc)
    return _done(request, escalation_id, "You released this escalation; it is open again.")


@require_POST
@login_required
def reassign(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    form = ReassignForm(request.POST)
    to = form.cleaned_data["to"] if form.is_valid() else ""
    try:
        item = escalation.reassign(escalation_id, admin=request.user, to_username=to)
    except EscalationError as exc:
        return _refused(request, escalation_id, exc)
    return _done(request, escalation_id, f"Reassigned to {item.claimed_by}.")


def _signoff_fields(form: SignOffForm) -> dict[str, Any]:
    form.is_valid()  # every field is optional text; the rules are the service's
    data = form.cleaned_data
    return {
        "proposal_id": form.proposal_id(),
        "icd10": form.other_code(),
        "diagnosis": str(data.get("diagnosis") or ""),
        "rationale": str(data.get("rationale") or ""),
        "password": str(data.get("password") or ""),
    }


def _without_password(form: SignOffForm) -> SignOffForm:
    password = form.add_prefix("password")
    data = {key: value for key, value in form.data.items() if key != password}
    return SignOffForm(data, prefix=form.prefix)


@require_POST
@login_required
def sign(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    form = SignOffForm(request.POST)
    try:
        signoff = escalation.sign_off(escalation_id, user=request.user, **_signoff_fields(form))
    except EscalationError as exc:
        return _refused(request, escalation_id, exc, sign_form=_without_password(form))
    if signoff.overrides_panel:
        return _done(
            request,
            escalation_id,
            "Signed. This diagnosis overrides every panel proposal, so a second reviewer "
            "must co-sign it before the case is final.",
        )
    return _done(request, escalation_id, "Signed. The case now shows your final diagnosis.")


@require_POST
@login_required
def correct(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    form = SignOffForm(request.POST, prefix="correct")
    try:
        escalation.correct(escalation_id, user=request.user, **_signoff_fields(form))
    except EscalationError as exc:
        return _refused(request, escalation_id, exc, correct_form=_without_password(form))
    return _done(request, escalation_id, "Correction signed; it supersedes the earlier sign-off.")


@require_POST
@login_required
def cosign(request: AuthenticatedRequest, escalation_id: int) -> HttpResponse:
    form = CoSignForm(request.POST)
    form.is_valid()
    try:
        escalation.co_sign(
            escalation_id,
            user=request.user,
            password=str(form.cleaned_data.get("password") or ""),
            note=str(form.cleaned_data.get("note") or ""),
        )
    except EscalationError as exc:
        return _refused(
            request, escalation_id, exc, cosign_form=CoSignForm({"note": form.data.get("note", "")})
        )
    return _done(request, escalation_id, "Co-signed. The diagnosis is final.")


@require_GET
@login_required
def icd10_lookup(request: AuthenticatedRequest) -> HttpResponse:
    """The official description of the code in ``?icd10=`` (or ``?correct-icd10=``), or why
    it cannot be signed. Rendered as a small fragment for htmx."""
    code = (request.GET.get("icd10") or request.GET.get("correct-icd10") or "").strip()
    context: dict[str, Any] = {"code": code, "description": "", "error": ""}
    if code:
        try:
            context["code"], context["description"] = escalation.check_icd10(code)
        except EscalationError as exc:
            context["error"] = str(exc)
            context["description"] = protocol.icd10_description(code)
    return render(request, "escalations/detail.html#icd10-result", context)


@require_GET
@login_required
def case_chain(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """A case's decision record as a fragment (what ``_case_chain.html`` loads)."""
    case = Case.objects.visible_to(request.user).filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case.")
    chain = decision_record.case_chain(case)
    can_acknowledge = (
        case.submitted_by_id == request.user.pk
        and case.status == CaseStatus.CONSENSUS
        and chain.acknowledgement is None
    )
    context = {
        "case": case,
        "chain": chain,
        "can_acknowledge": can_acknowledge,
        "ack_form": AcknowledgeForm(),
        "decisions": AcknowledgementDecision,
        "next": request.GET.get("next", ""),
    }
    return render(request, "escalations/_case_chain.html#chain", context)


@require_POST
@login_required
def acknowledge(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """The submitting clinician accepts or disputes the consensus, then returns to the case."""
    form = AcknowledgeForm(request.POST)
    decision = form.cleaned_data["decision"] if form.is_valid() else ""
    comment = str(form.cleaned_data.get("comment") or "") if form.is_valid() else ""
    try:
        escalation.acknowledge(case_id, user=request.user, decision=decision, comment=comment)
    except EscalationError as exc:
        messages.error(request, str(exc))
    else:
        if decision == AcknowledgementDecision.DISPUTE:
            messages.success(request, "Disputed. The case is in the human review queue.")
        else:
            messages.success(request, "You accepted the panel's consensus.")
    target = request.POST.get("next", "")
    if (
        not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        or not target
    ):
        target = reverse("cases:detail", kwargs={"case_id": case_id})
    return redirect(target)
