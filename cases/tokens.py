"""Per-user API tokens for scripts. A token is shown once when it is created; only its
SHA-256 hash is stored, so a leaked database does not leak usable tokens. Tokens expire
(``API_TOKEN_DAYS``), can be revoked (command, admin, the user's security page) and are all
revoked when their user's password changes. Each of these is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from cases import audit
from cases.models import ApiToken

TOKEN_PREFIX = "cdx_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, *, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user`` valid ``days`` days (``API_TOKEN_DAYS`` by default);
    returns the row and the plaintext token, which is not stored anywhere and cannot be
    shown again."""
    days = settings.API_TOKEN_DAYS if days is None else days
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=_hash(plaintext),
        prefix=plaintext[:8],
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        "token.created",
        obj=row,
        actor_id=user.pk,
        payload={"name": row.name, "prefix": row.prefix, "expires_at": row.expires_at},
    )
    return row, plaintext


def authenticate(token: str) -> User | None:
    """The active user owning ``token``, or None for an unknown, revoked or expired token or
    an inactive user (a refused known token is audited). Records when it was last used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = ApiToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if row is None:
        return None
    if not row.is_active or not row.user.is_active:
        reason = "revoked" if row.revoked_at else "expired" if not row.is_active else "inactive"
        audit.record("token.refused", obj=row, payload={"reason": reason, "prefix": row.prefix})
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def revoke(row: ApiToken, *, actor: User | None, reason: str = "revoked") -> bool:
    """Revoke one token; False when it was already revoked."""
    done = ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if done:
        audit.record(
            "token.revoked",
            obj=row,
            actor_id=actor.pk if actor else None,
            payload={"name": row.name, "prefix": row.prefix, "reason": reason},
        )
    return bool(done)


def revoke_all(user: User, *, actor: User | None, reason: str) -> int:
    """Revoke every live token of ``user``; returns how many."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    return sum(revoke(row, actor=actor, reason=reason) for row in live)
