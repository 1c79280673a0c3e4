"""The one NinjaAPI instance: authentication, error shapes, and each app's router."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.security import HttpBearer, SessionAuth

from cases import intake, limits, tokens
from cases.api import router as cases_router
from cases.deliberation import CaseRejected
from cases.escalation.api import router as escalations_router
from cases.escalation.errors import EscalationError
from cases.offering import PanelNotOffered


class BearerToken(HttpBearer):
    """Scripts: ``Authorization: Bearer <token>`` with a token from ``create_api_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return tokens.authenticate(token)


_ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["detail"],
}
# Answers any operation can give besides its own: not signed in, refused (role, CSRF, second
# factor), not found (or not yours), invalid input; with a body, too large or over a limit.
_COMMON_ERRORS = {
    "401": "Not signed in, or the token is unknown, revoked or expired.",
    "403": "Not allowed (role, CSRF, second factor, wrong or locked signing password).",
    "404": "No such object, or not one you may see.",
    "422": "Invalid input; `detail` says which field and why.",
}
_BODY_ERRORS = {
    "400": "The body is not JSON.",
    "413": "The request body is larger than the server accepts.",
    "429": "A submission limit (rate or daily budget) was reached; see Retry-After.",
}


class DocumentedAPI(NinjaAPI):
    """The API whose OpenAPI schema lists every status an operation can answer, the shared
    error answers included (so clients and schemathesis know them)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                extra = dict(_COMMON_ERRORS)
                if "requestBody" in operation:
                    extra |= _BODY_ERRORS
                responses = operation.setdefault("responses", {})
                for status, description in extra.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": _ERROR}},
                        },
                    )
        return schema


# The token is tried first: session auth checks CSRF on unsafe methods and would refuse a
# script's POST before the token got a look. Browsers send no bearer header, so they fall
# through to the session, CSRF check included.
api = DocumentedAPI(
    title="Consensus DX API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    # The interactive docs (from ninja's own static files) are for signed-in users only.
    docs_decorator=login_required,
)


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    # ("body", "payload", "text") -> "text"; ("query", "outcome") -> "outcome".
    parts = list(loc[2:] if loc and loc[0] == "body" else loc[1:])
    return ".".join(str(p) for p in parts) or str(loc[-1] if loc else "")


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 with one line a person can read plus each field and its message."""
    errors = [
        {
            "field": _field(e.get("loc", ())),
            "message": str(e.get("msg", "")).removeprefix("Value error, "),
        }
        for e in exc.errors
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid request."
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


# The services' refusals and the status each answers with; the most specific class wins (a
# SubmissionLimited is a CaseRejected). An EscalationError carries its own status.
REFUSAL_STATUS: dict[type[Exception], int] = {
    intake.CannotSubmit: 403,
    PanelNotOffered: 403,
    intake.IdempotencyRefused: 422,
    CaseRejected: 422,
    limits.SubmissionLimited: 429,
}


def refusal_status(exc: Exception) -> int:
    """The HTTP status of a service's refusal (see :data:`REFUSAL_STATUS`)."""
    if isinstance(exc, EscalationError):
        return exc.http_status
    return next(REFUSAL_STATUS[kind] for kind in type(exc).__mro__ if kind in REFUSAL_STATUS)


def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A service's refusal as JSON: ``{"detail": message}`` with its status; a refused input
    also names its field (as schema validation does), and a limit says when to try again."""
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, intake.InvalidInput):
        errors = [{"field": field, "message": message} for field, message in exc.problems.items()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        body = {"detail": detail, "errors": errors}
    response = api.create_response(request, body, status=refusal_status(exc))
    if isinstance(exc, limits.SubmissionLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


REFUSALS: tuple[type[Exception], ...] = (EscalationError, *REFUSAL_STATUS)
for _refusal in REFUSALS:
    api.exception_handler(_refusal)(refused)

api.add_router("/", cases_router)
api.add_router("/", escalations_router)
