"""The live case page's state: one fold over a deliberation's events, on the server only.

The page is rendered from :func:`state_for` (complete without JavaScript and after a
reload). A connected page receives each event as :meth:`Feed.message` shapes it: text
deltas carry the prose to append (never raw JSON), every other event carries the
server-rendered fragments it changed (member card, progress, tally, outcome), which the
script swaps in. So the page's markup has exactly one author: the templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

from cases import decision_record, escalation, protocol, streaming, wording
from cases.models import ABSTAINED_VOTE, Case, Deliberation, proposal_mark
from cases.prose import prose
from cases.streaming import EventMessage
from cases.wording import (
    CANCELLED_DETAIL,
    HUMAN_REVIEW,
    OFFLINE_LABEL,
    OFFLINE_WARNING,
    REPAIR_NOTE,
    REVIEW_TEXT,
    STATE_TITLES,
    STATUS_LABELS,
    CardStatus,
    PageState,
)

TEMPLATE = "cases/case_detail.html"


# --- the state -----------------------------------------------------------------------------


@dataclass
class MemberCard:
    """One panel member as the page shows it. ``raw`` keeps each round's output as written,
    one entry per answer (a repair request starts a new entry)."""

    index: int
    alias: str
    provider: str
    model: str
    fault_mode: str = ""
    status: CardStatus = "waiting"
    detail: str = ""
    raw: dict[int, list[str]] = field(default_factory=lambda: {1: [], 2: []})
    proposal: dict[str, Any] | None = None
    vote: dict[str, Any] | None = None
    vote_for: str = ""
    round: int = 0
    mark: str = ""  # why a valid answer counts for nobody (abstained, below the threshold)

    @property
    def offline(self) -> bool:
        return self.provider == "builtin"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def below_threshold(self) -> bool:
        return bool(self.proposal and self.proposal.get("below_threshold"))

    def prose(self, round_: int) -> str:
        return "\n".join(p for p in (_entry_prose(e) for e in self.raw[round_]) if p)

    @property
    def prose1(self) -> str:
        return self.prose(1)

    @property
    def prose2(self) -> str:
        return self.prose(2)

    @property
    def summary(self) -> str:
        """One line: what this member has said so far."""
        if self.status in ("timeout", "faulted", "cancelled"):
            return self.detail or self.status_label
        if self.vote is not None:
            return f"Voted for {self.vote_for}"
        p = self.proposal
        if p is not None:
            if p.get("abstained"):
                return "Abstained: " + str(p.get("reasoning", ""))[:120]
            name = protocol.class_name(
                str(p.get("class_key", "")),
                [protocol.ClassMember(str(p.get("diagnosis", "")), p.get("icd10"))],
            ).label
            return f"Proposed {name}, {p.get('confidence', 0)}% confident"
        if self.status == "writing":
            return f"Writing its Round {self.round} answer"
        if self.status == "thinking":
            return f"Working on Round {self.round}; no text yet"
        return "Waiting for the round to start"


def _entry_prose(entry: str) -> str:
    return entry[1:] if entry.startswith("\x00") else prose(entry)


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
    state: PageState = "deliberating"
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
    def offline(self) -> bool:
        return any(m.offline for m in self.members)

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
    def faults(self) -> int:
        return sum(1 for m in self.members if m.status in ("timeout", "faulted"))

    @property
    def abstained(self) -> int:
        """Members whose valid Round 1 answer counts for nobody: abstentions and proposals
        below the panel's confidence threshold (the protocol treats both alike)."""
        return sum(1 for m in self.members if m.mark)

    @property
    def reason_text(self) -> str:
        if self.failed is not None:
            return str(self.failed.get("reason", ""))
        if self.finished is None:
            return ""
        winner = self.finished.get("winner") or {}
        return wording.reason_sentence(
            str(self.finished["reason"]),
            votes=winner.get("votes", 0),
            n=self.n,
            q=self.q,
            f=self.f,
            faults=len(self.finished.get("faults", [])),
            abstained=self.abstained,
        )

    @property
    def winner(self) -> dict[str, Any] | None:
        if self.finished is None:
            return None
        winner: dict[str, Any] | None = self.finished.get("winner")
        return winner

    @property
    def winner_label(self) -> str:
        winner = self.winner
        return self.class_label(str(winner["class_key"])) if winner else ""

    @property
    def winner_confidence(self) -> list[tuple[str, int]]:
        """The confidence of each member who backed the winning class: by a Round 2 vote,
        or by proposing it when Round 1 decided."""
        winner = self.winner
        if winner is None:
            return []
        key = winner["class_key"]
        backers = [
            m
            for m in self.members
            if (m.vote and m.vote.get("class_key") == key)
            or (m.vote is None and m.proposal and m.proposal.get("class_key") == key)
        ]
        return [(m.alias, int(m.proposal.get("confidence") or 0)) for m in backers if m.proposal]

    @property
    def progress(self) -> list[str]:
        """One line per round started: "Round 1: 3 of 5 answered, 1 abstained"."""
        lines = []
        if self.round >= 1:
            done = [m for m in self.members if m.proposal is not None]
            lines.append(
                _progress_line(1, "answered", len(done), self.n, self.abstained, self._failed_in(1))
            )
        if self.round >= 2:
            voted = sum(1 for m in self.members if m.vote is not None)
            lines.append(_progress_line(2, "voted", voted, self.n, 0, self._failed_in(2)))
        return lines

    def _failed_in(self, round_: int) -> tuple[int, int]:
        faulted = sum(
            1 for m in self.members if m.status in ("timeout", "faulted") and m.round == round_
        )
        cancelled = sum(1 for m in self.members if m.status == "cancelled" and m.round == round_)
        return faulted, cancelled

    def class_label(self, key: str) -> str:
        """The name of a diagnosis class (protocol.class_name over its proposals)."""
        received: dict[int, int] = {}
        for m in self.members:
            if m.vote and m.vote.get("for_member") is not None:
                idx = int(m.vote["for_member"])
                received[idx] = received.get(idx, 0) + 1
        inside = [
            protocol.ClassMember(
                str(m.proposal.get("diagnosis", "")),
                m.proposal.get("icd10"),
                int(m.proposal.get("confidence") or 0),
                m.index,
                received.get(m.index, 0),
            )
            for m in self.members
            if m.proposal and m.proposal.get("class_key") == key
        ]
        return protocol.class_name(key, inside).label


def _progress_line(
    round_: int, verb: str, count: int, n: int, abstained: int, failed: tuple[int, int]
) -> str:
    parts = [f"Round {round_}: {count} of {n} {verb}"]
    if abstained:
        parts.append(f"{abstained} abstained")
    if failed[0]:
        parts.append(f"{failed[0]} faulted")
    if failed[1]:
        parts.append(f"{failed[1]} stopped")
    return ", ".join(parts)


def vote_label(state: LiveState, vote: dict[str, Any]) -> str:
    """What a vote chose and whose proposal it was: "Pneumonia — proposal of Agent-2"."""
    for_member = vote.get("for_member")
    if vote.get("abstained"):
        return ABSTAINED_VOTE
    if for_member is None or not 0 <= for_member < len(state.members):
        return str(vote.get("diagnosis", ""))
    return f"{vote.get('diagnosis', '')} — proposal of {state.members[for_member].alias}"


def initial_state(deliberation: Deliberation) -> LiveState:
    """The page before any event: every member of the panel snapshot waiting."""
    snap = deliberation.snapshot
    members = [
        MemberCard(
            index=i, alias=s.alias, provider=s.provider, model=s.model, fault_mode=s.fault_mode
        )
        for i, s in enumerate(snap.specs)
    ]
    return LiveState(
        deliberation.pk, snap.n, snap.q, snap.f, members, min_confidence=snap.min_confidence
    )


# --- the fold ------------------------------------------------------------------------------


def _round_started(state: LiveState, round_: int) -> None:
    state.round = round_
    for member in state.members:
        if round_ == 1 or member.status == "done":
            member.status = "thinking"
            member.round = round_


def _text(card: MemberCard, round_: int, text: str, *, repair: bool) -> None:
    entries = card.raw[round_]
    if repair:
        entries.append("\x00" + text)  # a note, shown as written
        entries.append("")  # the corrected answer starts a new entry
    elif entries and not entries[-1].startswith("\x00"):
        entries[-1] += text
    else:
        entries.append(text)
    card.round = round_
    card.status = "writing"


def apply(state: LiveState, event: EventMessage) -> None:
    """Fold one event into ``state``. Events must come in sequence order."""
    kind, payload = event["type"], event["payload"]
    card = state.members[payload["member"]] if "member" in payload else None
    if kind == "round.started":
        _round_started(state, payload["round"])
    elif kind == "member.delta" and card is not None:
        _text(card, payload["round"], payload["text"], repair=False)
    elif kind == "member.repair" and card is not None:
        _text(card, payload["round"], REPAIR_NOTE.format(**payload), repair=True)
    elif kind == "member.proposal" and card is not None:
        card.proposal = payload
        card.status = "abstained" if payload.get("abstained") else "done"
        card.mark = proposal_mark(
            abstained=bool(payload.get("abstained")),
            below_threshold=bool(payload.get("below_threshold")),
            min_confidence=state.min_confidence,
        )
    elif kind == "member.vote" and card is not None:
        card.vote = payload
        card.vote_for = vote_label(state, payload)
        card.status = "abstained" if payload.get("abstained") else "done"
        if not payload.get("abstained"):
            key = payload["class_key"]
            state.live_votes[key] = state.live_votes.get(key, 0) + 1
    elif kind == "member.fault" and card is not None:
        card.status = "timeout" if payload["status"] == "timeout" else "faulted"
        card.detail = payload.get("error", "")
        card.round = payload.get("round", card.round)
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
            if member.status in ("waiting", "thinking", "writing"):
                member.status = "cancelled"
    state.last_seq = event["seq"]


def fold(state: LiveState, events: Iterable[EventMessage]) -> LiveState:
    for event in events:
        apply(state, event)
    return state


def state_for(deliberation: Deliberation) -> LiveState:
    """The page's complete state from the database, and the sequence number it reflects.
    A finished deliberation whose events do not say so (rows imported or written without
    the orchestrator) takes its outcome from its row."""
    state = fold(initial_state(deliberation), streaming.events_after(deliberation.pk, 0))
    if deliberation.is_terminal and state.state == "deliberating":
        if deliberation.outcome:
            state.finished = {
                "outcome": deliberation.outcome,
                "reason": deliberation.reason,
                "winner": deliberation.winner_summary,
                "tally": deliberation.tally,
                "faults": [],
            }
            state.state = "consensus" if deliberation.outcome == "consensus" else "no_consensus"
        else:
            state.failed = {"reason": deliberation.failure}
            state.state = "failed"
    return state


# --- fragments -----------------------------------------------------------------------------

FRAGMENTS = ("outcome", "tally")
# Events after which the current decision may have changed (its box is swapped too).
DECISION_EVENTS = frozenset({"deliberation.finished", "deliberation.failed"})


def render_fragment(name: str, state: LiveState, *, can_review: bool, member: int = 0) -> str:
    """One server-rendered fragment of the case page (a partial of its template)."""
    context: dict[str, Any] = {
        "state": state,
        "can_review": can_review,
        "offline_label": OFFLINE_LABEL,
        "offline_warning": OFFLINE_WARNING,
        "human_review": HUMAN_REVIEW,
    }
    if name == "member-card":
        context["m"] = state.members[member]
    return render_to_string(f"{TEMPLATE}#{name}", context)


def render_decision(case_id: int, state: LiveState, *, can_review: bool) -> str:
    """The current-decision box at the top of the case page (the signed human diagnosis, or
    where the human review stands), rendered from the database as the page renders it."""
    case = Case.objects.get(pk=case_id)
    context = {
        "state": state,
        "can_review": can_review,
        "decision": decision_record.current_decision(case),
        "escalation_state": decision_record.escalation_state(case),
    }
    return render_to_string(f"{TEMPLATE}#current-decision", context)


def needs_database(event: EventMessage) -> bool:
    """Whether :meth:`Feed.message` reads the database for ``event`` (call it in a thread
    then): a deliberation's end changes the current decision, which lives in other rows."""
    return event["type"] in DECISION_EVENTS


@dataclass
class Feed:
    """One connected page's copy of the state: shapes each event it is sent, in order.
    ``case_id`` is the deliberation's case (for the current-decision box)."""

    state: LiveState
    can_review: bool
    case_id: int

    def message(self, event: EventMessage) -> dict[str, Any]:
        """The websocket message for ``event``: ``seq``, ``type``, ``payload``, plus either
        ``append`` (prose to add to one member's stream) or ``html`` (fragment id to the
        fragment's new markup)."""
        payload = event["payload"]
        card = self.state.members[payload["member"]] if "member" in payload else None
        out: dict[str, Any] = {"seq": event["seq"], "type": event["type"], "payload": payload}
        if event["type"] == "member.delta" and card is not None:
            round_, before, was = payload["round"], card.prose(payload["round"]), card.status
            apply(self.state, event)
            after = card.prose(round_)
            if was == card.status and after.startswith(before):
                out["append"] = {
                    "member": card.index,
                    "round": round_,
                    "text": after[len(before) :],
                }
                return out
            out["html"] = {f"member-{card.index}": self._card(card.index)}
            return out
        apply(self.state, event)
        changed = [card.index] if card is not None else range(len(self.state.members))
        html = {f"member-{i}": self._card(i) for i in changed}
        for name in FRAGMENTS:
            html[name] = render_fragment(name, self.state, can_review=self.can_review)
        if needs_database(event):
            html["current-decision"] = render_decision(
                self.case_id, self.state, can_review=self.can_review
            )
        out["html"] = html
        return out

    def _card(self, index: int) -> str:
        return render_fragment("member-card", self.state, can_review=self.can_review, member=index)


def feed_for(deliberation_id: int, *, user: Any, resume_from: int) -> Feed:
    """A feed for ``user``'s page whose state reflects every event up to ``resume_from``
    (what the page already has). Reviewers' fragments link the escalation."""
    can_review = escalation.can_view_queue(user)
    deliberation = Deliberation.objects.get(pk=deliberation_id)
    state = initial_state(deliberation)
    fold(state, (e for e in streaming.events_after(deliberation_id, 0) if e["seq"] <= resume_from))
    return Feed(state, can_review, deliberation.case_id)
