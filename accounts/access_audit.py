"""Failed access decisions and reads of a case by someone other than its author, written to
the audit trail for pages and the API alike (``access.denied``, ``case.read``); refused
websockets are audited by ``consensus_site.ws_origin`` (origin) and by the consumers
themselves (not signed in, not found: ``cases.audit.access.websocket_refused``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cases import audit
from cases.models import Case, Deliberation, Escalation


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _read_case(request: HttpRequest) -> Case | None:
    match = request.resolver_match
    if match is None:
        return None
    kwargs = match.kwargs
    if "case_id" in kwargs:
        return Case.objects.filter(pk=kwargs["case_id"]).first()
    if "deliberation_id" in kwargs:
        found = Deliberation.objects.filter(pk=kwargs["deliberation_id"]).first()
        return found.case if found else None
    if "escalation_id" in kwargs:
        escalation = Escalation.objects.filter(pk=kwargs["escalation_id"]).first()
        return escalation.case if escalation else None
    return None


class AccessAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = request.user
        actor = user.pk if user.is_authenticated else None
        if response.status_code == 403:
            audit.record(
                "access.denied",
                object_type="http.path",
                object_id=request.path[:50],
                actor_id=actor,
                payload={"method": request.method, "path": request.path, "ip": _client(request)},
            )
        elif response.status_code == 200 and request.method == "GET" and actor is not None:
            case = _read_case(request)
            if case is not None and case.submitted_by_id != actor:
                audit.record("case.read", obj=case, actor_id=actor, payload={"path": request.path})
        return response
