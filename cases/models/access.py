"""Who may do what: the roles (group names), the role check, who may submit cases, and
the API tokens scripts sign in with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


RoleName = Literal["clinician", "reviewer", "administrator"]


class Role:
    """Group names that carry the product's roles; superusers count as administrators."""

    CLINICIAN: Final = "clinician"
    REVIEWER: Final = "reviewer"
    ADMINISTRATOR: Final = "administrator"


def has_role(user: AbstractBaseUser | AnonymousUser, role: RoleName) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(user.groups.filter(name=role).exists())  # type: ignore[attr-defined]


CANNOT_SUBMIT = "Only clinicians and administrators can submit cases."


def can_submit_cases(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Clinicians submit cases; administrators may too (to try a panel)."""
    return has_role(user, Role.CLINICIAN) or has_role(user, Role.ADMINISTRATOR)


class ApiToken(models.Model):
    """A per-user API token for scripts. Only the SHA-256 hash of the token is stored; the
    plaintext is shown once, when it is created (see ``cases.api_tokens``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Refused from then on.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
