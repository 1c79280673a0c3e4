"""Limits on submissions, checked before a case is created and before any vendor is called:
a per-user and a per-panel rate (cases per ``SUBMIT_RATE_WINDOW_MINUTES``) and a daily cost
budget per panel (``PANEL_DAILY_BUDGET_USD``, per-panel overrides in ``PANEL_DAILY_BUDGETS``),
estimated from the members' prices. ``cases.intake.submit`` (the form, the API and
``deliberate``) calls :func:`check_submission`; the API answers :class:`SubmissionLimited`
with 429."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from cases.deliberation import CaseRejected
from cases.models import Case, Deliberation
from panels.models import Panel
from panels.providers.base import MemberSpec

USER_RATE = (
    "You have submitted {count} cases in the last {window} minutes, the limit. "
    "Try again in {retry} minute(s)."
)
PANEL_RATE = (
    "Panel {panel} has taken {count} cases in the last {window} minutes, its limit. "
    "Try again in {retry} minute(s)."
)
BUDGET = (
    "Panel {panel} has used ${spent} of its ${budget} daily budget (UTC day); this case would "
    "cost about ${estimate}. Nothing was sent to any vendor. Try again tomorrow, or ask an "
    "administrator to raise the budget."
)
# Rough per-call token counts for the estimate: the prompt around the case, and a vote.
PROMPT_OVERHEAD_TOKENS = 600
CHARS_PER_TOKEN = 4


class SubmissionLimited(CaseRejected):
    """A submission refused by a limit; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Budget:
    limit: Decimal | None
    spent: Decimal


def _member_cost(member: MemberSpec, *, text_tokens: int, n: int) -> Decimal:
    in_price = Decimal(str(member.input_price_per_mtok or 0))
    out_price = Decimal(str(member.output_price_per_mtok or 0))
    max_out = member.max_tokens or 1024
    # Round 1 reads the case; round 2 reads it again with every proposal; each writes up to
    # max_tokens. An upper estimate: refusing a little early beats overspending.
    tokens_in = 2 * (text_tokens + PROMPT_OVERHEAD_TOKENS) + n * max_out
    tokens_out = 2 * max_out
    return (tokens_in * in_price + tokens_out * out_price) / Decimal(1_000_000)


def estimate_cost(text: str, *, panel: Panel) -> Decimal:
    """The most one deliberation of ``text`` on ``panel`` should cost, in USD."""
    members = panel.snapshot().specs
    text_tokens = len(text) // CHARS_PER_TOKEN + 1
    total = sum(
        (_member_cost(m, text_tokens=text_tokens, n=len(members)) for m in members), Decimal(0)
    )
    return total.quantize(Decimal("0.0001"))


def budget(panel: Panel) -> Budget:
    """The panel's daily budget (None: unlimited) and what it has spent this UTC day."""
    overrides = settings.PANEL_DAILY_BUDGETS
    raw = overrides.get(panel.name, settings.PANEL_DAILY_BUDGET_USD)
    limit = Decimal(str(raw)) if raw is not None else None
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    spent = Deliberation.objects.filter(panel=panel, created_at__gte=start).aggregate(
        total=Sum("cost_usd")
    )["total"] or Decimal(0)
    return Budget(limit, Decimal(spent))


def _retry(oldest: datetime | None, window: timedelta) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, int((oldest + window - timezone.now()).total_seconds()))


def check_submission(text: str, *, panel: Panel, user_id: int | None) -> None:
    """Raise :class:`SubmissionLimited` when ``user_id`` or ``panel`` is over its rate, or
    the case would take the panel over its daily budget."""
    window = timedelta(minutes=settings.SUBMIT_RATE_WINDOW_MINUTES)
    since = timezone.now() - window
    minutes = settings.SUBMIT_RATE_WINDOW_MINUTES
    if user_id is not None:
        recent = Case.objects.filter(submitted_by_id=user_id, created_at__gte=since)
        count = recent.count()
        if count >= settings.SUBMIT_RATE_PER_USER:
            retry = _retry(recent.order_by("created_at").values_list("created_at", flat=True)
                           [count - settings.SUBMIT_RATE_PER_USER], window)  # fmt: skip
            message = USER_RATE.format(count=count, window=minutes, retry=-(-retry // 60))
            raise SubmissionLimited(message, retry_after=retry)
    # An administrator's evaluation run is not traffic: it must not lock clinicians out.
    on_panel = Deliberation.objects.filter(
        panel=panel, created_at__gte=since, case__is_evaluation=False
    )
    count = on_panel.count()
    if count >= settings.SUBMIT_RATE_PER_PANEL:
        oldest = on_panel.order_by("created_at").values_list("created_at", flat=True).first()
        retry = _retry(oldest, window)
        message = PANEL_RATE.format(
            panel=panel.name, count=count, window=minutes, retry=-(-retry // 60)
        )
        raise SubmissionLimited(message, retry_after=retry)
    day = budget(panel)
    if day.limit is not None:
        estimate = estimate_cost(text, panel=panel)
        if day.spent + estimate > day.limit:
            tomorrow = timezone.now().replace(hour=0, minute=0, second=0) + timedelta(days=1)
            raise SubmissionLimited(
                BUDGET.format(
                    panel=panel.name,
                    spent=day.spent.quantize(Decimal("0.01")),
                    budget=day.limit.quantize(Decimal("0.01")),
                    estimate=estimate,
                ),
                retry_after=int((tomorrow - timezone.now()).total_seconds()),
            )
