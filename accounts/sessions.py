"""Session lifetime and "log out everywhere".

A session ends after ``SESSION_IDLE_MINUTES`` without a request and, in any case,
``SESSION_ABSOLUTE_MINUTES`` after sign-in (also the cookie's age). Ending a user's sessions
deletes their rows, so the websockets they authenticate are refused too."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from cases import audit

STARTED = "_security_started"
SEEN = "_security_seen"
IDLE_EXPIRED = "You were signed out after {minutes} minutes without activity. Please log in again."
LIFETIME_EXPIRED = "Your session reached its {hours}-hour limit. Please log in again."
# Write the last-seen time at most this often, not on every request.
SEEN_RESOLUTION_S = 30


def end_all(user: AbstractBaseUser, *, actor: AbstractBaseUser | None) -> int:
    """Delete every live session of ``user`` (all browsers and devices); returns how many.
    Audited as ``auth.logout_everywhere`` with who did it."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    audit.record(
        "auth.logout_everywhere",
        obj=user,
        actor_id=actor.pk if actor else None,
        payload={"sessions": ended},
    )
    return ended


def _expired(request: HttpRequest, now: float) -> str | None:
    started = request.session.get(STARTED)
    seen = request.session.get(SEEN)
    if started is None:
        request.session[STARTED] = request.session[SEEN] = now
        return None
    if now - float(started) > settings.SESSION_ABSOLUTE_MINUTES * 60:
        return LIFETIME_EXPIRED.format(hours=f"{settings.SESSION_ABSOLUTE_MINUTES / 60:g}")
    if seen is not None and now - float(seen) > settings.SESSION_IDLE_MINUTES * 60:
        return IDLE_EXPIRED.format(minutes=settings.SESSION_IDLE_MINUTES)
    if seen is None or now - float(seen) > SEEN_RESOLUTION_S:
        request.session[SEEN] = now
    return None


class SessionPolicyMiddleware:
    """Signs out a session that has been idle too long or has lived too long; the request
    then goes on as anonymous (pages redirect to the login, the API answers 401)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = _expired(request, time.time())
            if reason is not None:
                audit.record(
                    "auth.session_expired", obj=request.user, actor_id=request.user.pk,
                    payload={"reason": reason},
                )  # fmt: skip
                logout(request)
                messages.info(request, reason)
        return self.get_response(request)
