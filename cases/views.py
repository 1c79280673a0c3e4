"""Server-rendered pages: case list, new case, and the live deliberation page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedRequest
from cases import decision_record, escalation, intake, live, queries, wording
from cases.forms import CaseForm, CaseSearchForm
from cases.models import CANNOT_SUBMIT, Role, can_submit_cases, has_role
from consensus_site.pagination import PAGE_SIZE


@require_GET
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Each role lands on its work: reviewers on the queue, administrators on analytics,
    everyone else on their cases (the login page for a visitor, through the case list)."""
    user = request.user
    if has_role(user, Role.ADMINISTRATOR):
        return redirect("analytics")
    if has_role(user, Role.REVIEWER):
        return redirect("escalations:queue")
    return redirect("cases:list")


@require_GET
@login_required
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    search = CaseSearchForm(request.GET or None)
    terms = search.cleaned_data if search.is_valid() else {}
    outcome = terms.get("outcome") or ""
    qs = queries.cases_for(request.user, outcome=outcome)
    if terms.get("q"):
        qs = qs.filter(text__icontains=terms["q"])
    if terms.get("since"):
        qs = qs.filter(created_at__date__gte=terms["since"])
    if terms.get("until"):
        qs = qs.filter(created_at__date__lte=terms["until"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    latest = {case.pk: queries.latest_deliberation(case) for case in cases}
    decisions = decision_record.current_decisions(cases, latest)
    rows = [(case, latest[case.pk], decisions[case.pk]) for case in cases]
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "search": search,
        "searching": bool(terms and any(terms.values())),
        "query_string": search.query_string() if search.is_valid() else "",
    }
    template = "cases/case_list.html#results" if request.htmx else "cases/case_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    if not can_submit_cases(request.user):
        raise PermissionDenied(CANNOT_SUBMIT)
    form = CaseForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = intake.submit(
                text=form.cleaned_data["text"],
                panel_name=form.cleaned_data["panel"],
                user=request.user,
                age=form.cleaned_data["age"],
                sex=form.cleaned_data["sex"] or "",
            )
        except intake.REFUSALS as exc:
            for field, message in intake.problems(exc).items():
                form.add_error(field, message)
        else:
            return redirect("cases:detail", case_id=submitted.case.pk)
    status = 422 if form.is_bound else 200
    return render(request, "cases/case_new.html", {"form": form}, status=status)


@require_GET
@login_required
def case_detail(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = queries.cases_for(request.user).filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case.")
    current = queries.latest_deliberation(case)
    if current is None:
        raise Http404("This case has no deliberation.")
    state = live.state_for(current)
    can_review = escalation.can_view_queue(request.user)
    context = {
        "case": case,
        "deliberation": current,
        "state": state,
        "decision": decision_record.current_decision(case),
        "escalation_state": decision_record.escalation_state(case),
        "can_review": can_review,
        "offline_label": wording.OFFLINE_LABEL,
        "offline_warning": wording.OFFLINE_WARNING,
        "human_review": wording.HUMAN_REVIEW,
    }
    return render(request, "cases/case_detail.html", context)
