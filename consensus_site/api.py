"""The one NinjaAPI instance: authentication, error shapes, and each app's router."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.security import HttpBearer, SessionAuth

from cases import limits, tokens
from cases.api import router as cases_router
from cases.escalation_api import router as escalations_router


class BearerToken(HttpBearer):
    """Scripts: ``Authorization: Bearer <token>`` with a token from ``create_api_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return tokens.authenticate(token)


# The token is tried first: session auth checks CSRF on unsafe methods and would refuse a
# script's POST before the token got a look. Browsers send no bearer header, so they fall
# through to the session, CSRF check included.
api = NinjaAPI(
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


@api.exception_handler(limits.SubmissionLimited)
def submission_limited(request: HttpRequest, exc: limits.SubmissionLimited) -> HttpResponse:
    """429 with the limit's message and when to try again."""
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


api.add_router("/", cases_router)
api.add_router("/", escalations_router)
