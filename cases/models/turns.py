"""What each member did in each round: the Round 1 proposal and the Round 2 vote."""

from __future__ import annotations

from django.db import models

from cases import protocol
from cases.models.deliberation import FAULT_STATUSES, Deliberation, TurnStatus, proposal_mark


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
