"""Login success and failure in the audit trail, via Django's auth signals (connected in
``CasesConfig.ready``): the one place this project uses signals, because logins happen
inside Django's own views."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import user_logged_in, user_login_failed
from django.http import HttpRequest

from cases import audit


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


def connect() -> None:
    """Connect the receivers (idempotent: each has a dispatch_uid)."""
    user_logged_in.connect(logged_in, dispatch_uid="cases.audit.login")
    user_login_failed.connect(login_failed, dispatch_uid="cases.audit.login_failed")
