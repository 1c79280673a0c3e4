"""WHAT is deliberated: cases, their deliberations, every proposal, vote and event, and the
human side (escalations, sign-offs, the audit trail)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases import protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


SEVERITY_RULE_BAD_CODE = (
    "{code!r} is not an ICD-10-CM chapter number, block, category or code (for example 9, "
    "I20-I25, I21 or I21.4)."
)


class Role:
    """Group names that carry the product's roles; superusers count as administrators."""

    CLINICIAN = "clinician"
    REVIEWER = "reviewer"
    ADMINISTRATOR = "administrator"


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(user.groups.filter(name=role).exists())  # type: ignore[attr-defined]


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


class DeliberationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


DELIBERATION_TERMINAL = {DeliberationStatus.FINISHED, DeliberationStatus.FAILED}


class Outcome(models.TextChoices):
    CONSENSUS = "consensus", "Consensus"
    NO_CONSENSUS = "no_consensus", "No consensus"


REASON_LABELS = {
    "unanimous_round1": "unanimous in Round 1",
    "supermajority": "supermajority",
    "no_supermajority": "no supermajority",
    "tie": "tie between diagnoses",
    "too_many_faults": "too many faulty members",
    "insufficient_information": "not enough information to decide",
}

# The words for abstentions, used by the queue, the case page (server and script), the API
# and the command line alike.
ABSTENTIONS_TEXT = "{abstentions} of {n} members abstained: not enough information to decide"
ABSTAINED_MARK = "Abstained: named no diagnosis"
BELOW_THRESHOLD_MARK = "Below the panel's confidence threshold ({min_confidence}%)"
ABSTAINED_VOTE = "Abstained: voted for no proposal"


def reason_words(reason: str, *, abstentions: int = 0, n: int = 0) -> str:
    """A decision reason in words: "3 of 5 members abstained: not enough information to
    decide" for ``insufficient_information`` (with the counts given), else its label."""
    if reason == "insufficient_information":
        return ABSTENTIONS_TEXT.format(abstentions=abstentions, n=n)
    return REASON_LABELS.get(reason, reason)


def proposal_mark(*, abstained: bool, below_threshold: bool, min_confidence: int) -> str:
    """How a valid Round 1 answer that counts for nobody is marked; "" for a counted one."""
    if abstained:
        return ABSTAINED_MARK
    if below_threshold:
        return BELOW_THRESHOLD_MARK.format(min_confidence=min_confidence)
    return ""


class Deliberation(models.Model):
    """One run of the protocol on a case, against a frozen snapshot of its panel."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliberations")
    panel = models.ForeignKey(
        "panels.Panel", null=True, on_delete=models.SET_NULL, related_name="deliberations"
    )
    panel_snapshot = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliberationStatus.choices, default=DeliberationStatus.QUEUED
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    reason = models.CharField(max_length=30, blank=True)
    failure = models.TextField(blank=True, help_text="Why the deliberation could not finish.")
    rounds = models.PositiveSmallIntegerField(default=0)
    round2_skipped = models.CharField(max_length=30, blank=True)
    winner_key = models.CharField(max_length=210, blank=True)
    winner_diagnosis = models.CharField(max_length=200, blank=True)
    winner_icd10 = models.CharField(max_length=10, blank=True)
    winner_votes = models.PositiveSmallIntegerField(default=0)
    tally = models.JSONField(default=dict, blank=True)
    dissent = models.JSONField(
        default=list,
        blank=True,
        help_text="Confident members who named a high-severity condition outside the consensus.",
    )
    seed = models.BigIntegerField(default=0, help_text="Seeds the per-voter ballot shuffles.")
    last_seq = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Deliberation {self.pk} on case {self.case_id}"

    @property
    def is_terminal(self) -> bool:
        return self.status in DELIBERATION_TERMINAL

    @property
    def winner_summary(self) -> dict[str, Any] | None:
        """The winning class as pages, events, the API and the command line show it; None
        without a consensus."""
        if not self.winner_key:
            return None
        return {
            "class_key": self.winner_key,
            "diagnosis": self.winner_diagnosis,
            "icd10": self.winner_icd10,
            "icd10_description": protocol.icd10_description(self.winner_icd10),
            "votes": self.winner_votes,
        }

    @property
    def reason_label(self) -> str:
        """The decision reason in words ("tie between diagnoses"; "3 of 5 members abstained:
        not enough information to decide"), or "" before a decision."""
        if self.reason != "insufficient_information":
            return reason_words(self.reason)
        return reason_words(self.reason, abstentions=self.abstentions, n=self.panel_snapshot["n"])

    @property
    def min_confidence(self) -> int:
        """The panel's confidence threshold when this deliberation ran."""
        return int(self.panel_snapshot.get("min_confidence", 0))

    @property
    def abstentions(self) -> int:
        """Valid Round 1 answers that count for no class: abstentions and proposals below
        the panel's ``min_confidence``."""
        return self.abstentions_among(self.proposals.all())

    def abstentions_among(self, proposals: Iterable[Proposal]) -> int:
        """How many of ``proposals`` (this deliberation's) are valid and count for no class."""
        threshold = self.min_confidence
        return sum(
            1
            for p in proposals
            if p.status == TurnStatus.OK
            and not protocol.is_confident(p.answer, min_confidence=threshold)
        )

    @property
    def elapsed_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class TurnStatus(models.TextChoices):
    OK = "ok", "Done"
    TIMEOUT = "timeout", "Timed out"
    ERROR = "error", "Faulted: provider error"
    INVALID = "invalid", "Faulted: invalid output"
    CANCELLED = "cancelled", "Cancelled"


FAULT_STATUSES = {TurnStatus.TIMEOUT, TurnStatus.ERROR, TurnStatus.INVALID}


class MemberTurn(models.Model):
    """What one member did in one round: status, raw text, repair, usage."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE)
    member_index = models.PositiveSmallIntegerField()
    alias = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=TurnStatus.choices, default=TurnStatus.OK)
    error = models.TextField(blank=True)
    raw_text = models.TextField(blank=True)
    repaired = models.BooleanField(default=False, help_text="A repair request was sent.")
    reasoning = models.TextField(blank=True)
    class_key = models.CharField(max_length=210, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["member_index"]

    @property
    def is_fault(self) -> bool:
        return self.status in FAULT_STATUSES


class Proposal(MemberTurn):
    """A member's Round 1 answer (or its fault)."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.CASCADE, related_name="proposals"
    )
    diagnosis = models.CharField(max_length=200, blank=True)
    icd10 = models.CharField(max_length=10, blank=True)
    icd10_raw = models.CharField(max_length=20, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    differential = models.JSONField(default=list, blank=True)
    abstained = models.BooleanField(
        default=False, help_text="The member said it could not name a diagnosis (a valid answer)."
    )

    class Meta(MemberTurn.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation", "member_index"], name="one_proposal_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alias}: {self.diagnosis or ('abstained' if self.abstained else self.status)}"

    @property
    def answer(self) -> protocol.Answer:
        """This valid proposal as the quorum sees it (no class when it abstained)."""
        return protocol.Answer(
            None if self.abstained else self.class_key, None if self.abstained else self.confidence
        )

    @property
    def below_threshold(self) -> bool:
        """A proposal that names a diagnosis with less than the panel's ``min_confidence``:
        shown, but counted as an abstention and kept off the Round 2 ballot."""
        threshold = self.deliberation.min_confidence
        return (
            self.status == TurnStatus.OK
            and not self.abstained
            and not protocol.is_confident(self.answer, min_confidence=threshold)
        )

    @property
    def mark(self) -> str:
        """ "Abstained…" or "Below the panel's confidence threshold (50%)", else ""."""
        if self.status != TurnStatus.OK:
            return ""
        return proposal_mark(
            abstained=self.abstained,
            below_threshold=self.below_threshold,
            min_confidence=self.deliberation.min_confidence,
        )


class Vote(MemberTurn):
    """A member's Round 2 ballot: the shuffled order it saw and the proposal it chose."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="votes")
    ballot = models.JSONField(
        default=list, help_text="Proposal member indices in ballot order (A, B, C, ...)."
    )
    letter = models.CharField(max_length=1, blank=True)
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="votes_received"
    )

    class Meta(MemberTurn.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation", "member_index"], name="one_vote_per_member"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.alias}: vote {self.letter or ('abstained' if self.abstained else self.status)}"
        )

    @property
    def abstained(self) -> bool:
        """A valid ballot that chose no proposal."""
        return self.status == TurnStatus.OK and not self.letter


class DeliberationEvent(models.Model):
    """One step of a deliberation, numbered gap-free per deliberation, replayed to pages."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deliberation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "seq"], name="unique_event_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"


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


class AuditEvent(models.Model):
    """One state change in the keyed, anchored audit chain (see ``cases.audit``): ``seq``
    is gap-free from 1, ``hash`` is an HMAC under the key named by ``key_id`` over the
    fields and ``prev_hash`` (``key_id`` empty: an unkeyed event from before the chain was
    keyed)."""

    seq = models.PositiveBigIntegerField(unique=True)
    key_id = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    @property
    def payload_json(self) -> str:
        """The payload as JSON, as the exports write it."""
        return json.dumps(self.payload, sort_keys=True, ensure_ascii=False)


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


CANNOT_SUBMIT = "Only clinicians and administrators can submit cases."


def can_submit_cases(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Clinicians submit cases; administrators may too (to try a panel)."""
    return has_role(user, Role.CLINICIAN) or has_role(user, Role.ADMINISTRATOR)


class EvaluationRun(models.Model):
    """One ``manage.py evaluate`` run: the panel, the patient rows, the faults injected into
    this run's copy of the panel, and the figures measured (``results``, as in results.json)."""

    panel_name = models.CharField(max_length=50)
    source = models.CharField(max_length=500, help_text="The CSV of patient rows.")
    options = models.JSONField(default=dict, help_text="Limit, seed, faults, concurrency.")
    results = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evaluation {self.pk} on {self.panel_name}"


class EvaluationItem(models.Model):
    """One patient of an evaluation run: its deliberation and the ground truth. ``true_classes``
    are the class keys (at the panel's agreement level) that count as the right answer."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="items")
    deliberation = models.OneToOneField(
        Deliberation, on_delete=models.CASCADE, related_name="evaluation_item"
    )
    row_index = models.PositiveIntegerField(help_text="Row of the CSV, counted from 0.")
    pathology = models.CharField(max_length=100)
    icd10 = models.CharField(max_length=30, help_text="As the knowledge base spells it.")
    true_classes = models.JSONField(default=list)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["run", "row_index", "id"]

    def __str__(self) -> str:
        return f"{self.pathology} (row {self.row_index})"


class DeliberationRun(models.Model):
    """Who runs a deliberation, and the durable record that it must run.

    The row is written in the transaction that accepts the case (the outbox): a broker that is
    down delays the deliberation and loses nothing, because the sweeper relays every row not
    yet ``dispatched_at``. While a runner holds it, ``owner`` and ``lease_until`` (renewed by a
    heartbeat) say so; a lease that lapsed means the runner died, and the next runner takes
    the deliberation over and resumes it. ``attempts`` counts claims, ``dispatches`` messages.
    """

    deliberation = models.OneToOneField(
        Deliberation, on_delete=models.CASCADE, primary_key=True, related_name="run"
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatches = models.PositiveIntegerField(default=0)
    owner = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["dispatched_at"], name="run_dispatched_idx")]

    def __str__(self) -> str:
        return f"Run of deliberation {self.deliberation_id} ({self.owner or 'unclaimed'})"


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
