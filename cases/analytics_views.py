"""The reliability analytics page, /analytics/ (administrators only): figures from
``cases.evaluation.analytics``, charts from ``cases.evaluation.report``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from cases import metrics
from cases.evaluation import analytics, report
from cases.models import EvaluationRun, Role, has_role

ADMINISTRATORS_ONLY = "Reliability analytics are for administrators."


def _bar(label: str, interval: metrics.Interval, css: str = "bar") -> report.BarItem:
    note = f"{interval.successes} of {interval.total}"
    return report.BarItem(label, interval.rate, interval.low, interval.high, css, note)


def panel_charts(stats: analytics.PanelStats) -> dict[str, report.Chart]:
    """The per-member charts of one panel; a chart is left out when it has no data."""
    members = list(stats.members.values())
    found: dict[str, report.Chart] = {}
    signed = [m for m in members if m.signed]
    if signed:
        found["signoffs"] = report.bars(
            "Agreement with the reviewer's signed diagnosis (95% Wilson intervals)",
            [_bar(m.alias, m.vs_signoffs) for m in signed],
        )
    evaluated = [m for m in members if m.evaluated]
    if evaluated:
        found["truth"] = report.bars(
            "Top-1 accuracy against evaluation ground truth (95% Wilson intervals)",
            [_bar(m.alias, m.vs_truth) for m in evaluated],
        )
    decided = [m for m in members if m.decided]
    if decided:
        found["winning"] = report.bars(
            "Share of consensus decisions where the member was in the winning class",
            [_bar(m.alias, m.in_winning_class, "good") for m in decided],
        )
    if members:
        found["faults"] = report.bars(
            "Faulty turns (timeouts, errors, invalid output) per member",
            [_bar(m.alias, m.fault_rate, "bad") for m in members],
        )
    return found


def overview_charts(panels: list[analytics.PanelStats]) -> dict[str, report.Chart]:
    """Charts that compare panels: escalation rate, time to sign-off, cost per case."""
    found: dict[str, report.Chart] = {}
    clinical = [p for p in panels if p.clinical]
    if clinical:
        found["escalation"] = report.bars(
            "Clinical cases escalated to human review (95% Wilson intervals)",
            [_bar(p.name, p.escalation_rate, "none") for p in clinical],
        )
        found["cost"] = report.bars(
            "Mean tokens per clinical case",
            [report.BarItem(p.name, metrics.mean(p.clinical_tokens)) for p in clinical],
            scale="absolute",
        )
    signed = [p for p in panels if p.signoff_hours]
    if signed:
        items = []
        for p in signed:
            items.append(report.BarItem(f"{p.name} median", metrics.quantile(p.signoff_hours, 0.5)))
            items.append(
                report.BarItem(
                    f"{p.name} 90th pct", metrics.quantile(p.signoff_hours, 0.9), css="none"
                )
            )
        found["signoff"] = report.bars(
            "Hours from escalation to first sign-off", items, scale="absolute"
        )
    return found


@require_GET
@login_required
def analytics_page(request: AuthenticatedRequest) -> HttpResponse:
    if not has_role(request.user, Role.ADMINISTRATOR):
        raise PermissionDenied(ADMINISTRATORS_ONLY)
    panels = analytics.gather()
    context: dict[str, Any] = {
        "panels": [
            {
                "stats": p,
                "members": list(p.members.values()),
                "charts": panel_charts(p),
                "clinical_tokens": metrics.mean(p.clinical_tokens),
                "clinical_cost": metrics.mean(p.clinical_cost),
                "evaluation_tokens": metrics.mean(p.evaluation_tokens),
                "signoff_median_h": metrics.quantile(p.signoff_hours, 0.5),
            }
            for p in panels
        ],
        "overview": overview_charts(panels),
        "runs": EvaluationRun.objects.filter(finished_at__isnull=False)[:10],
    }
    return render(request, "analytics/analytics.html", context)
