"""The live case page's state as a fold over a deliberation's events.

The server renders the page from :func:`state_for` (complete without JavaScript, and after a
reload); ``static/js/case_detail.js`` applies the same events, in the same way, to the same
markup as they arrive. The words both use come from here (:func:`texts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cases import streaming
from cases.models import (
    ABSTAINED_MARK,
    ABSTAINED_VOTE,
    ABSTENTIONS_TEXT,
    BELOW_THRESHOLD_MARK,
    Deliberation,
    proposal_mark,
)
from cases.streaming import EventMessage

OFFLINE_LABEL = "Offline reference engine — not for clinical use"

STATUS_LABELS = {
    "waiting": "Waiting",
    "thinking": "Thinking",
    "done": "Done",
    "timeout": "Timed out",
    "faulted": "Faulted",
    "cancelled": "Cancelled",
}

STATE_TITLES = {
    "deliberating": "Deliberating",
    "consensus": "Consensus",
    "no_consensus": "No consensus",
    "failed": "Deliberation failed",
}

# Placeholders: {votes} {n} {q} {f} {faults} {abstentions}.
REASON_TEXT = {
    "unanimous_round1": (
        "Every valid Round 1 proposal named this diagnosis ({votes} of {n} members; {q} "
        "needed), so the cross-review round was skipped."
    ),
    "supermajority": "{votes} of {n} members voted for this diagnosis; {q} were needed.",
    "no_supermajority": "No diagnosis received the {q} votes needed.",
    "tie": "The votes were tied between diagnoses, and none reached the {q} needed.",
    "too_many_faults": (
        "{faults} members faulted, more than the {f} this panel tolerates, so the panel "
        "cannot decide."
    ),
    "insufficient_information": ABSTENTIONS_TEXT + ".",
}

HUMAN_REVIEW = "The case went to human review."
# A consensus can reach the queue too; the panel's answer is still shown, with why.
REVIEW_TEXT = {
    "audit": (
        "This consensus was drawn for a random audit: a reviewer will check it. The panel's "
        "answer stands meanwhile."
    ),
    "dangerous_dissent": (
        "A member named a dangerous condition, so a reviewer will check this consensus too."
    ),
}
# Shown in a member's output where the orchestrator asked it to correct an unusable answer.
REPAIR_NOTE = "\n[Asked to correct the answer: {error}]\n"
CANCELLED_DETAIL = "Stopped: the outcome was already decided."


def texts() -> dict[str, Any]:
    """Every word the live page's script needs, so page and script cannot disagree."""
    return {
        "status": STATUS_LABELS,
        "state": STATE_TITLES,
        "reason": REASON_TEXT,
        "human_review": HUMAN_REVIEW,
        "review": REVIEW_TEXT,
        "abstained": ABSTAINED_MARK,
        "below_threshold": BELOW_THRESHOLD_MARK,
        "abstained_vote": ABSTAINED_VOTE,
        "cancelled_detail": CANCELLED_DETAIL,
        "repair_note": REPAIR_NOTE,
    }


@dataclass
class MemberCard:
    """One panel member as the page shows it."""

    index: int
    alias: str
    provider: str
    model: str
    fault_mode: str = ""
    status: str = "waiting"
    detail: str = ""
    text1: str = ""
    text2: str = ""
    proposal: dict[str, Any] | None = None
    vote: dict[str, Any] | None = None
    vote_for: str = ""
    mark: str = ""

    @property
    def offline(self) -> bool:
        return self.provider == "builtin"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class TallyRow:
    class_key: str
    label: str
    votes: int


@dataclass
class LiveState:
    """Everything the case page shows about one deliberation, as of event ``last_seq``."""

    deliberation_id: int
    n: int
    q: int
    f: int
    members: list[MemberCard]
    state: str = "deliberating"
    round: int = 0
    live_votes: dict[str, int] = field(default_factory=dict)
    finished: dict[str, Any] | None = None
    failed: dict[str, Any] | None = None
    last_seq: int = 0
    min_confidence: int = 0

    @property
    def title(self) -> str:
        return STATE_TITLES[self.state]

    @property
    def escalation_id(self) -> int | None:
        source = self.finished or self.failed or {}
        escalation = source.get("escalation")
        return int(escalation) if escalation is not None else None

    @property
    def review_text(self) -> str:
        """Why the case went to the queue: the words for a consensus that still did."""
        reason = (self.finished or {}).get("escalation_reason", "")
        return REVIEW_TEXT.get(reason, HUMAN_REVIEW)

    @property
    def dissent(self) -> list[dict[str, Any]]:
        """Dangerous dissents flagged on the consensus (each with its ``text``)."""
        return list((self.finished or {}).get("dissent", []))

    @property
    def tally(self) -> list[TallyRow]:
        counts = self.finished["tally"] if self.finished else self.live_votes
        return [
            TallyRow(key, self.class_label(key), votes)
            for key, votes in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    @property
    def reason_text(self) -> str:
        if self.failed is not None:
            return str(self.failed.get("reason", ""))
        if self.finished is None:
            return ""
        winner = self.finished.get("winner") or {}
        reason = str(self.finished["reason"])
        template = REASON_TEXT.get(reason, reason)
        return template.format(
            votes=winner.get("votes", 0),
            n=self.n,
            q=self.q,
            f=self.f,
            faults=len(self.finished.get("faults", [])),
            abstentions=self.finished.get("abstentions", 0),
        )

    @property
    def winner(self) -> dict[str, Any] | None:
        if self.finished is None:
            return None
        winner: dict[str, Any] | None = self.finished.get("winner")
        return winner

    def class_label(self, key: str) -> str:
        """A human name for a diagnosis class: the first proposal in it, with its code."""
        for card in self.members:
            p = card.proposal
            if p and p.get("class_key") == key:
                return f"{p['diagnosis']} ({p['icd10']})" if p.get("icd10") else p["diagnosis"]
        return key.removeprefix("name:")


def vote_label(state: LiveState, vote: dict[str, Any]) -> str:
    """What a vote chose and whose proposal it was: "Pneumonia — proposal of Agent-2"."""
    if vote.get("abstained"):
        return ABSTAINED_VOTE
    for_member = vote.get("for_member")
    if for_member is None or not 0 <= for_member < len(state.members):
        return str(vote.get("diagnosis", ""))
    return f"{vote.get('diagnosis', '')} — proposal of {state.members[for_member].alias}"


def initial_state(deliberation: Deliberation) -> LiveState:
    """The page before any event: every member of the panel snapshot waiting."""
    snap = deliberation.panel_snapshot
    members = [
        MemberCard(
            index=i,
            alias=m["alias"],
            provider=m["provider"],
            model=m.get("model", ""),
            fault_mode=m.get("fault_mode", ""),
        )
        for i, m in enumerate(snap["members"])
    ]
    return LiveState(
        deliberation.pk,
        snap["n"],
        snap["q"],
        snap["f"],
        members,
        min_confidence=int(snap.get("min_confidence", 0)),
    )


def apply(state: LiveState, event: EventMessage) -> None:
    """Fold one event into ``state``. Events must come in sequence order."""
    kind, payload = event["type"], event["payload"]
    card = state.members[payload["member"]] if "member" in payload else None
    if kind == "round.started":
        state.round = payload["round"]
        for member in state.members:
            if payload["round"] == 1 or member.status == "done":
                member.status = "thinking"
    elif kind in ("member.delta", "member.repair") and card is not None:
        text = payload["text"] if kind == "member.delta" else REPAIR_NOTE.format(**payload)
        if payload["round"] == 1:
            card.text1 += text
        else:
            card.text2 += text
        card.status = "thinking"
    elif kind == "member.proposal" and card is not None:
        card.proposal = payload
        card.mark = proposal_mark(
            abstained=bool(payload.get("abstained")),
            below_threshold=bool(payload.get("below_threshold")),
            min_confidence=state.min_confidence,
        )
        card.status = "done"
    elif kind == "member.vote" and card is not None:
        card.vote = payload
        card.vote_for = vote_label(state, payload)
        card.status = "done"
        key = payload["class_key"]
        if key:  # an abstained vote counts for nobody
            state.live_votes[key] = state.live_votes.get(key, 0) + 1
    elif kind == "member.fault" and card is not None:
        card.status = "timeout" if payload["status"] == "timeout" else "faulted"
        card.detail = payload.get("error", "")
    elif kind == "member.cancelled" and card is not None:
        card.status = "cancelled"
        card.detail = CANCELLED_DETAIL
    elif kind == "deliberation.finished":
        state.finished = payload
        state.state = payload["outcome"]
    elif kind == "deliberation.failed":
        state.failed = payload
        state.state = "failed"
        for member in state.members:
            if member.status in ("waiting", "thinking"):
                member.status = "cancelled"
    state.last_seq = event["seq"]


def state_for(deliberation: Deliberation) -> LiveState:
    """The page's complete state from the database, and the sequence number it reflects."""
    return fold(initial_state(deliberation), streaming.events_after(deliberation.pk, 0))


def fold(state: LiveState, events: Iterable[EventMessage]) -> LiveState:
    for event in events:
        apply(state, event)
    return state
