"""Login success and failure in the audit trail, via Django's auth signals (connected in
``CasesConfig.ready``): the one place this project uses signals, because logins happen
inside Django's own views. Also the websocket consumers' own refusals, audited as the 403s
of pages and the API are (``access.denied``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import user_logged_in, user_login_failed
from django.http import HttpRequest

from cases.audit import chain as audit


def _client(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {"ip": str(request.META.get("REMOTE_ADDR", ""))}


def logged_in(sender: Any, *, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record("auth.login", obj=user, actor_id=user.pk, payload=_client(request))


def login_failed(
    sender: Any, *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``; keep only the username.
    username = str(credentials.get("username", ""))
    audit.record(
        "auth.login_failed",
        object_type="auth.user",
        object_id=username[:50],
        payload={"username": username, **_client(request)},
    )


def websocket_refused(scope: Mapping[str, Any], *, reason: str, code: int) -> None:
    """Audit one refused websocket connection (``access.denied`` on ``ws.path``, as the
    origin check does): ``reason`` is "unauthenticated", "not_found" or "not_a_reviewer",
    ``code`` the close code. The consumer calls it once per refused connection, before
    closing."""
    user = scope.get("user")
    actor = user.pk if user is not None and user.is_authenticated else None
    client = scope.get("client") or ("", 0)
    path = str(scope.get("path", ""))
    audit.record(
        "access.denied",
        object_type="ws.path",
        object_id=path[:50],
        actor_id=actor,
        payload={"path": path, "reason": reason, "close_code": code, "ip": str(client[0])},
    )


def connect() -> None:
    """Connect the receivers (idempotent: each has a dispatch_uid)."""
    user_logged_in.connect(logged_in, dispatch_uid="cases.audit.login")
    user_login_failed.connect(login_failed, dispatch_uid="cases.audit.login_failed")
