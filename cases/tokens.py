"""Per-user API tokens for scripts. A token is shown once when it is created; only its
SHA-256 hash is stored, so a leaked database does not leak usable tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone

from cases.models import ApiToken

TOKEN_PREFIX = "cdx_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the plaintext token, which is not
    stored anywhere and cannot be shown again."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name, token_hash=_hash(plaintext), prefix=plaintext[:8]
    )
    return row, plaintext


def authenticate(token: str) -> User | None:
    """The active user owning ``token``, or None for an unknown token or inactive user.
    Records when the token was last used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = ApiToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user
