"""Server-rendered pages: case list, new case, and the live deliberation page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from cases import deliberation, limits, live, queries, runners
from cases.deliberation import CaseRejected
from cases.forms import CaseForm
from cases.models import CANNOT_SUBMIT, can_submit_cases

PAGE_SIZE = 20


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


@require_GET
def home(request: HttpRequest) -> HttpResponseRedirect:
    return redirect("cases:list")


@require_GET
@login_required
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    outcome = request.GET.get("outcome", "")
    if outcome not in queries.OUTCOME_FILTERS:
        outcome = ""
    qs = queries.cases_for(request.user, outcome=outcome)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, queries.latest_deliberation(case)) for case in page.object_list]
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "outcome": outcome,
        "outcome_filters": queries.OUTCOME_FILTERS,
    }
    template = "cases/case_list.html#results" if request.htmx else "cases/case_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    if not can_submit_cases(request.user):
        raise PermissionDenied(CANNOT_SUBMIT)
    form = CaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        assert form.resolved_panel is not None
        try:
            limits.check_submission(
                form.cleaned_data["text"], panel=form.resolved_panel, user_id=request.user.pk
            )
            created = deliberation.create(
                form.cleaned_data["text"],
                panel=form.resolved_panel,
                submitted_by_id=request.user.pk,
                age=form.cleaned_data["age"],
                sex=form.cleaned_data["sex"] or "",
            )
        except CaseRejected as exc:
            form.add_error(None, str(exc))
        else:
            runners.start(created.pk)
            return redirect("cases:detail", case_id=created.case_id)
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
    context = {
        "case": case,
        "deliberation": current,
        "state": state,
        "texts": live.texts(),
        "offline_label": live.OFFLINE_LABEL,
        "human_review": live.HUMAN_REVIEW,
    }
    return render(request, "cases/case_detail.html", context)
