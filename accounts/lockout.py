"""Throttling wrong passwords: after ``AUTH_LOCKOUT_FAILURES`` wrong passwords within
``AUTH_LOCKOUT_WINDOW_MINUTES``, the username is locked for ``AUTH_LOCKOUT_MINUTES`` on every
path that checks a password (the login page, the admin login, the sign-off password). Every
failure, lockout and refused attempt is in the audit trail."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.models import LoginThrottle
from cases import audit

LOCKED_OUT = (
    "Too many wrong passwords: this account is locked until {until} UTC. "
    "Try again then, or ask an administrator to unlock it."
)


class Check(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def locked_until(username: str) -> datetime | None:
    """When the lock on ``username`` ends, or None when it is not locked."""
    until = (
        LoginThrottle.objects.filter(username=username)
        .values_list("locked_until", flat=True)
        .first()
    )
    return until if until is not None and until > timezone.now() else None


def locked_message(until: datetime) -> str:
    return LOCKED_OUT.format(until=until.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))


def record_failure(username: str, *, scope: str, ip: str = "") -> datetime | None:
    """Count one wrong password for ``username``; returns the end of the lock when this
    failure locks the account (audited as ``auth.locked_out``)."""
    now = timezone.now()
    window = timedelta(minutes=settings.AUTH_LOCKOUT_WINDOW_MINUTES)
    with transaction.atomic():
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            username=username, defaults={"window_start": now}
        )
        if row.window_start < now - window:
            row.failures, row.window_start = 0, now
        row.failures += 1
        newly_locked = row.failures >= settings.AUTH_LOCKOUT_FAILURES and (
            row.locked_until is None or row.locked_until <= now
        )
        if newly_locked:
            row.locked_until = now + timedelta(minutes=settings.AUTH_LOCKOUT_MINUTES)
            audit.record(
                "auth.locked_out",
                object_type="auth.user",
                object_id=username[:50],
                payload={
                    "username": username,
                    "failures": row.failures,
                    "until": row.locked_until.isoformat(),
                    "scope": scope,
                    "ip": ip,
                },
            )
        row.save()
    return row.locked_until if newly_locked else None


def record_refused(username: str, *, scope: str, until: datetime, ip: str = "") -> None:
    """Audit an attempt refused because the account is locked (its password is not checked)."""
    audit.record(
        "auth.refused_locked",
        object_type="auth.user",
        object_id=username[:50],
        payload={"username": username, "scope": scope, "until": until.isoformat(), "ip": ip},
    )


def clear(username: str) -> None:
    """Forget the wrong passwords of ``username`` (after a success, or an administrator's
    unlock)."""
    LoginThrottle.objects.filter(username=username).delete()


def check_password(user: AbstractBaseUser, password: str, *, scope: str) -> Check:
    """Check a re-entered password (e.g. to sign) under the same throttle as the login.
    A locked account is refused without checking; a wrong one is counted and audited."""
    username = user.get_username()
    until = locked_until(username)
    if until is not None:
        record_refused(username, scope=scope, until=until)
        return Check.LOCKED
    if password and user.check_password(password):
        clear(username)
        return Check.OK
    audit.record(
        "auth.password_failed",
        obj=user,
        actor_id=user.pk,
        payload={"username": username, "scope": scope},
    )
    return Check.LOCKED if record_failure(username, scope=scope) else Check.WRONG
