"""One run of the protocol on a case: its statuses and outcome, the decision reason in
words, the turn statuses of its members, its numbered events and the durable run record."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, TypedDict

from django.db import models

from cases import protocol
from cases.models.case import Case
from panels.snapshot import PanelSnapshot

if TYPE_CHECKING:
    from cases.models.turns import Proposal


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


class WinnerSummary(TypedDict):
    """The winning class as pages, events, the API and the command line show it."""

    class_key: str
    diagnosis: str
    icd10: str
    icd10_description: str
    votes: int


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

    @cached_property
    def snapshot(self) -> PanelSnapshot:
        """The panel as this deliberation runs it, read from ``panel_snapshot`` (written once,
        when the deliberation is created, so reading it once per instance is enough)."""
        return PanelSnapshot.from_json(self.panel_snapshot)

    @property
    def winner_summary(self) -> WinnerSummary | None:
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
        return reason_words(self.reason, abstentions=self.abstentions, n=self.snapshot.n)

    @property
    def min_confidence(self) -> int:
        """The panel's confidence threshold when this deliberation ran."""
        return self.snapshot.min_confidence

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
