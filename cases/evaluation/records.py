"""An evaluation's stored rows as plain records: the ground truth, what every member did in
both rounds (status, class, confidence, abstention, the proposal each vote went to) and the
outcome. Everything after this module is pure arithmetic over these records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cases.models import (
    FAULT_STATUSES,
    DeliberationStatus,
    EvaluationItem,
    Proposal,
    TurnStatus,
    Vote,
)


@dataclass
class CaseRecord:
    """One evaluated case as plain data. ``truth`` empty means the right outcome is NO
    CONSENSUS (an out-of-scope free-text case). ``answers`` holds each valid Round 1
    proposal's (abstained, confidence); ``ballots`` each valid Round 2 vote's target, the
    member index of the proposal voted for, or None for an abstained vote."""

    row_index: int
    pathology: str
    severity: int | None
    truth: list[str]
    case_id: str = ""
    status: str = ""
    outcome: str = ""
    reason: str = ""
    winner: str = ""
    winner_diagnosis: str = ""
    winner_icd10: str = ""
    winner_votes: int = 0
    round2_skipped: str = ""
    tokens: int = 0
    elapsed_s: float | None = None
    proposals: dict[int, tuple[str, str, int]] = field(default_factory=dict)
    votes: dict[int, tuple[str, str, int]] = field(default_factory=dict)
    answers: dict[int, tuple[bool, int | None]] = field(default_factory=dict)
    ballots: dict[int, int | None] = field(default_factory=dict)

    @property
    def in_scope(self) -> bool:
        return bool(self.truth)

    @property
    def verdict(self) -> str:
        """``correct``, ``wrong`` or ``none`` (no consensus, including a failed run). Any
        consensus on an out-of-scope case is wrong."""
        if self.status != DeliberationStatus.FINISHED or self.outcome != "consensus":
            return "none"
        return "correct" if self.winner in self.truth else "wrong"

    def member_correct(self, index: int) -> bool:
        status, key, _ = self.proposals.get(index, ("", "", 0))
        return status == TurnStatus.OK and key in self.truth and not self.abstained(index)

    def abstained(self, index: int) -> bool:
        return self.answers.get(index, (False, None))[0]

    def abstentions(self) -> int:
        """Members whose valid Round 1 answer was an explicit abstention."""
        return sum(1 for abstained, _ in self.answers.values() if abstained)

    def below(self, min_confidence: int) -> int:
        """Members that proposed a diagnosis with a confidence below ``min_confidence``
        (counted as abstentions by the quorum, but not abstentions themselves)."""
        return sum(
            1
            for abstained, confidence in self.answers.values()
            if not abstained and (confidence or 0) < min_confidence
        )

    def faulted(self) -> set[int]:
        """Members with a fault in either round."""
        faults = {i for i, (s, _, _) in self.proposals.items() if s in FAULT_STATUSES}
        return faults | {i for i, (s, _, _) in self.votes.items() if s in FAULT_STATUSES}

    def line(self) -> dict[str, Any]:
        """The case's line in ``cases.jsonl``."""
        winner = None
        if self.outcome == "consensus":
            winner = {
                "diagnosis": self.winner_diagnosis,
                "icd10": self.winner_icd10,
                "votes": self.winner_votes,
            }
        return {
            "id": self.case_id or str(self.row_index),
            "outcome": self.outcome or "failed",
            "reason": self.reason,
            "winner": winner,
            "abstentions": self.abstentions(),
            "pathology": self.pathology or None,
            "verdict": self.verdict,
        }


def collect(run_id: int, *, case_ids: list[str] | None = None) -> list[CaseRecord]:
    """The run's cases as plain records, in row order, read in three queries. ``case_ids``
    names the cases by position (free-text runs); rows are named by their index."""
    items = EvaluationItem.objects.filter(run_id=run_id).select_related("deliberation")
    records: dict[int, CaseRecord] = {}
    for item in items:
        d = item.deliberation
        records[d.pk] = CaseRecord(
            row_index=item.row_index,
            case_id=case_ids[item.row_index] if case_ids else "",
            pathology=item.pathology,
            severity=item.severity,
            truth=list(item.true_classes),
            status=d.status,
            outcome=d.outcome,
            reason=d.reason or d.failure,
            winner=d.winner_key,
            winner_diagnosis=d.winner_diagnosis,
            winner_icd10=d.winner_icd10,
            winner_votes=d.winner_votes,
            round2_skipped=d.round2_skipped,
            tokens=d.input_tokens + d.output_tokens,
            elapsed_s=d.elapsed_s,
        )
    proposals = Proposal.objects.filter(deliberation__evaluation_item__run_id=run_id).values_list(
        "deliberation_id",
        "member_index",
        "status",
        "class_key",
        "input_tokens",
        "output_tokens",
        "abstained",
        "confidence",
    )
    for d_id, index, status, key, t_in, t_out, abstained, confidence in proposals:
        record = records[d_id]
        record.proposals[index] = (status, key, t_in + t_out)
        if status == TurnStatus.OK:
            record.answers[index] = (bool(abstained), None if abstained else confidence)
    votes = Vote.objects.filter(deliberation__evaluation_item__run_id=run_id).values_list(
        "deliberation_id",
        "member_index",
        "status",
        "class_key",
        "input_tokens",
        "output_tokens",
        "proposal__member_index",
    )
    for d_id, index, status, key, t_in, t_out, target in votes:
        record = records[d_id]
        record.votes[index] = (status, key, t_in + t_out)
        if status == TurnStatus.OK:
            record.ballots[index] = target
    return sorted(records.values(), key=lambda r: r.row_index)
