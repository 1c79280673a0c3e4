"""Count wrong login passwords and clear them on success, via Django's auth signals (logins
happen inside Django's own views; ``cases.audit.access`` writes the audit events)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import user_logged_in, user_login_failed
from django.http import HttpRequest

from accounts import lockout


def _ip(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


def login_failed(
    sender: Any, *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))
    if username and lockout.locked_until(username) is None:
        lockout.record_failure(username, scope="login", ip=_ip(request))


def logged_in(sender: Any, *, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    lockout.clear(user.get_username())


def connect() -> None:
    user_login_failed.connect(login_failed, dispatch_uid="accounts.lockout.failed")
    user_logged_in.connect(logged_in, dispatch_uid="accounts.lockout.ok")
