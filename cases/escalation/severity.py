"""Severity and priority: the DDXPlus severity of a condition (or an administrator's
:class:`SeverityRule`), the head start it gives an escalation, and its priority now."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cases import protocol
from cases.models import Escalation, SeverityRule
from panels.offline import knowledge

log = logging.getLogger(__name__)

# Priority is measured in hours of waiting: a candidate's severity gives the escalation a
# head start, then every hour in the queue adds a point. A fresh severity-1 case (e.g. STEMI)
# outranks a severity-5 case until the latter has waited two days.
HEAD_START_HOURS: dict[int, int] = {1: 48, 2: 24, 3: 12, 4: 4, 5: 0}
UNKNOWN_SEVERITY_HEAD_START = HEAD_START_HOURS[3]


def ddxplus_severities() -> dict[str, int]:
    """ICD-10-CM category (3 characters, upper case) -> the most severe DDXPlus severity of
    the conditions filed under it ("j17, j18" style entries count for each category); empty
    when the DDXPlus data is missing."""
    try:
        return _severities(Path(settings.DDXPLUS_DIR))
    except knowledge.KnowledgeBaseMissing as exc:
        # The queue must work without the offline panel's data: administrators' severity
        # rules still apply, and unknown conditions rank by waiting time alone.
        log.warning("%s", exc)
        return {}


@lru_cache(maxsize=4)
def _severities(directory: Path) -> dict[str, int]:
    by_category: dict[str, int] = {}
    for condition in knowledge.load(directory).conditions.values():
        for raw in condition.icd10.split(","):
            category = raw.strip().upper().replace(".", "")[:3]
            if len(category) == 3:
                severity = condition.severity
                by_category[category] = min(severity, by_category.get(category, severity))
    return by_category


def severity_of(code: str | None) -> int | None:
    """The severity (1 = most severe .. 5) of the condition coded ``code``: the DDXPlus
    severity for known conditions, else the most specific administrator :class:`SeverityRule`
    (code, category, block or chapter), else None."""
    normal = protocol.normalize_icd10(code)
    if normal is None:
        return None
    known = ddxplus_severities().get(normal[:3])
    if known is not None:
        return known
    rules = dict(SeverityRule.objects.values_list("code", "severity"))
    if not rules:
        return None
    for candidate in [normal, *protocol.icd10_ancestors(normal)]:
        if candidate in rules:
            return rules[candidate]
    return None


def head_start(severity: int | None) -> timedelta:
    """How far ahead of its arrival time an escalation of ``severity`` is ranked."""
    hours = UNKNOWN_SEVERITY_HEAD_START if severity is None else HEAD_START_HOURS[severity]
    return timedelta(hours=hours)


def priority_now(escalation: Escalation, *, now: datetime | None = None) -> int:
    """The escalation's priority in points: its severity head start plus hours waited."""
    elapsed = (now or timezone.now()) - escalation.rank_at
    return max(0, int(elapsed.total_seconds() // 3600))


def age(escalation: Escalation, *, now: datetime | None = None) -> timedelta:
    """How long the escalation has been (or was) in the queue."""
    end = escalation.resolved_at or now or timezone.now()
    return end - escalation.created_at
