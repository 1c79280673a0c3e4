"""The case as submitted, the access gate over cases (``Case.objects.visible_to``), and the
API's idempotent submissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from cases.models.access import Role, has_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> CaseQuerySet:
        """The one access gate: clinicians see their own cases; reviewers and administrators
        see all clinical cases; evaluation cases only administrators."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, Role.ADMINISTRATOR):
            return self.all()
        if has_role(user, Role.REVIEWER):
            return self.filter(is_evaluation=False)
        return self.filter(submitted_by_id=user.pk, is_evaluation=False)


class CaseStatus(models.TextChoices):
    DELIBERATING = "deliberating", "Deliberating"
    CONSENSUS = "consensus", "Consensus"
    ESCALATED = "escalated", "Awaiting human review"
    AWAITING_COSIGN = "awaiting_cosign", "Awaiting co-signature"
    RESOLVED = "resolved", "Resolved by reviewer"


class Sex(models.TextChoices):
    UNKNOWN = "", "Not given"
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class Case(models.Model):
    """A clinical case as submitted: free text, optional age and sex."""

    text = models.TextField()
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default=Sex.UNKNOWN)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.DELIBERATING
    )
    is_evaluation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["submitted_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Case {self.pk}"


class IdempotentSubmission(models.Model):
    """A case created through the API under a client's ``Idempotency-Key``: the same user
    posting the same key again gets this case back instead of a duplicate."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_case_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} -> case {self.case_id}"
