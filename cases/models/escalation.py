"""The human side: escalations, their append-only sign-offs and co-signatures, the
clinician's acknowledgement of a consensus, and administrators' severity rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases import protocol
from cases.models.case import Case
from cases.models.deliberation import Deliberation
from cases.models.turns import Proposal

SEVERITY_RULE_BAD_CODE = (
    "{code!r} is not an ICD-10-CM chapter number, block, category or code (for example 9, "
    "I20-I25, I21 or I21.4)."
)


class EscalationReason(models.TextChoices):
    NO_SUPERMAJORITY = "no_supermajority", "No supermajority"
    TIE = "tie", "Tie between diagnoses"
    TOO_MANY_FAULTS = "too_many_faults", "Too many faulty members"
    INSUFFICIENT_INFORMATION = "insufficient_information", "Not enough information to decide"
    DISPUTED = "disputed", "Disputed by the clinician"
    FAILED = "failed", "Deliberation failed"
    DANGEROUS_DISSENT = "dangerous_dissent", "A member named a dangerous condition"
    AUDIT = "audit", "Random audit of a consensus"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed"
    AWAITING_COSIGN = "awaiting_cosign", "Awaiting co-signature"
    RESOLVED = "resolved", "Resolved"


class Escalation(models.Model):
    """A case a human reviewer must decide."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    deliberation = models.ForeignKey(
        Deliberation, null=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    reason = models.CharField(max_length=30, choices=EscalationReason.choices)
    status = models.CharField(
        max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    priority = models.IntegerField(
        default=0, help_text="Head start in priority points from the candidates' severity."
    )
    severity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most severe candidate condition, 1 (worst) to 5."
    )
    rank_at = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text="created_at moved back by the head start; the queue sorts on it, oldest first.",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_escalations",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rank_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=~Q(status="resolved"),
                name="one_open_escalation_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk} ({self.reason})"

    @property
    def reason_text(self) -> str:
        """Why the case is in the queue, in words, with the abstention counts when the panel
        lacked information."""
        if self.reason == EscalationReason.INSUFFICIENT_INFORMATION and self.deliberation:
            return self.deliberation.reason_label
        return str(self.get_reason_display())


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete a row of an append-only table."""


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    """Refuses bulk and single-row updates and deletes: ``update``, ``bulk_update`` and
    ``delete`` here, and ``save()`` of an existing row (Django routes it through
    ``_update`` of the base manager)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")

    def _update(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")


class AppendOnlyModel(models.Model):
    """A row that is written once: never changed, never deleted (see AppendOnlyQuerySet,
    which each subclass uses as ``objects``, the base manager)."""

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]
        base_manager_name = "objects"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class SignOff(AppendOnlyModel):
    """A reviewer's signed final diagnosis. Append-only: a correction supersedes, never edits.

    ``overrides_panel`` is true when the diagnosis is in none of the panel's proposal classes;
    such a sign-off needs a second reviewer's :class:`CoSignature` before the case is final.
    """

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="signoffs")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    diagnosis = models.CharField(max_length=200)
    icd10 = models.CharField(max_length=10)
    rationale = models.TextField()
    chosen_proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="signoffs"
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    overrides_panel = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet["SignOff"].as_manager()

    class Meta(AppendOnlyModel.Meta):
        pass

    def __str__(self) -> str:
        return f"Sign-off {self.pk}: {self.icd10} {self.diagnosis}"


class CoSignature(AppendOnlyModel):
    """A second reviewer's signature on a sign-off that overrides the panel. Append-only."""

    signoff = models.OneToOneField(SignOff, on_delete=models.PROTECT, related_name="cosignature")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet["CoSignature"].as_manager()

    class Meta(AppendOnlyModel.Meta):
        pass

    def __str__(self) -> str:
        return f"Co-signature of sign-off {self.signoff_id}"


class AcknowledgementDecision(models.TextChoices):
    ACCEPT = "accept", "Accepted"
    DISPUTE = "dispute", "Disputed"


class Acknowledgement(models.Model):
    """The submitting clinician's answer to a consensus: accept it, or dispute it (which
    sends the case to the escalation queue with reason ``disputed``)."""

    deliberation = models.OneToOneField(
        Deliberation, on_delete=models.CASCADE, related_name="acknowledgement"
    )
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decision = models.CharField(max_length=10, choices=AcknowledgementDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_decision_display()} deliberation {self.deliberation_id}"


class SeverityRule(models.Model):
    """An administrator's severity for conditions the DDXPlus knowledge base does not know:
    ``code`` is an ICD-10-CM chapter number ("9"), block ("I20-I25"), category ("I21") or
    code ("I21.4"); the most specific rule matching a candidate's code wins."""

    code = models.CharField(max_length=20, unique=True)
    severity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 = most severe, 5 = least severe (the DDXPlus scale).",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="severity_rule_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: severity {self.severity}"

    def clean(self) -> None:
        code = self.code.strip().upper()
        if not protocol.is_icd10_item(code):
            raise ValidationError({"code": SEVERITY_RULE_BAD_CODE.format(code=self.code)})
        self.code = code
