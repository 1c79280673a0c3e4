"""Administrators browse, filter and export the audit trail (CSV or JSON lines)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from cases.audit import verify as audit_verify
from cases.audit.forms import AuditFilterForm
from cases.models import AuditEvent, Role, has_role
from consensus_site.pagination import AUDIT_PAGE_SIZE

ADMINISTRATORS_ONLY = "Only administrators can read the audit trail."
EXPORT_COLUMNS = [
    "seq",
    "key_id",
    "created_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "payload",
    "prev_hash",
    "hash",
]


def _require_admin(request: AuthenticatedRequest) -> None:
    if not has_role(request.user, Role.ADMINISTRATOR):
        raise PermissionDenied(ADMINISTRATORS_ONLY)


def filtered_events(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """Events matching the valid filters of ``form``, oldest first (chain order)."""
    rows = AuditEvent.objects.select_related("actor").order_by("seq")
    if not form.is_valid():
        return rows
    data = form.cleaned_data
    if data["action"]:
        rows = rows.filter(action__startswith=data["action"])
    if data["actor"]:
        rows = rows.filter(actor__username=data["actor"])
    if data["object_type"]:
        rows = rows.filter(object_type=data["object_type"])
    if data["object_id"]:
        rows = rows.filter(object_id=data["object_id"])
    if data["since"]:
        rows = rows.filter(
            created_at__gte=timezone.make_aware(datetime.combine(data["since"], time.min))
        )
    if data["until"]:
        rows = rows.filter(
            created_at__lte=timezone.make_aware(datetime.combine(data["until"], time.max))
        )
    return rows


def export_row(event: AuditEvent) -> dict[str, Any]:
    """One event as exported: every stored field, so the chain can be re-verified offline."""
    return {
        "seq": event.seq,
        "key_id": event.key_id,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor.get_username() if event.actor else None,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "payload": event.payload,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


@require_GET
@login_required
def audit_list(request: AuthenticatedRequest) -> HttpResponse:
    """The trail, newest first, filtered; with the chain's integrity on top."""
    _require_admin(request)
    form = AuditFilterForm(request.GET or None)
    rows = filtered_events(form).order_by("-seq")
    page = Paginator(rows, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "report": audit_verify.verify(),
        "query": query.urlencode(),
        "actions": AuditEvent.objects.order_by("action")
        .values_list("action", flat=True)
        .distinct(),
    }
    return render(request, "audit/audit_list.html", context)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a
# leading apostrophe makes it text. The JSON-lines export keeps values exact.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet will not evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for event in rows.iterator(chunk_size=500):
        row = export_row(event)
        row["payload"] = json.dumps(row["payload"], sort_keys=True)
        yield writer.writerow([neutralise_cell(row[c]) for c in EXPORT_COLUMNS])


def _json_lines(rows: QuerySet[AuditEvent]) -> Iterator[str]:
    for event in rows.iterator(chunk_size=500):
        yield json.dumps(export_row(event), sort_keys=True) + "\n"


@require_GET
@login_required
def audit_export(request: AuthenticatedRequest, fmt: str) -> StreamingHttpResponse:
    """The filtered trail, oldest first, as ``csv`` or ``jsonl`` (a download)."""
    _require_admin(request)
    rows = filtered_events(AuditFilterForm(request.GET or None))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv")
    else:
        response = StreamingHttpResponse(_json_lines(rows), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response
