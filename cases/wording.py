"""The product's words in one place: plurals, outcome and escalation reasons, the lines the
queue and the case page print about a diagnosis class, and the live case page's labels and
notes. Pages, the live fragments and the API all read these, so a server-rendered row and a
live one cannot disagree.

A new reason is one line in :data:`REASONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 vote"``, ``"0 votes"``, ``"3 members"``: the count with the right form."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


@dataclass(frozen=True)
class ReasonWords:
    """A decision or escalation reason: a short label (lists, queue, chips) and a sentence
    for the outcome box (placeholders ``{votes} {n} {q} {f} {faults} {abstained}``)."""

    label: str
    sentence: str


REASONS: dict[str, ReasonWords] = {
    "unanimous_round1": ReasonWords(
        "Unanimous in Round 1",
        "Every valid Round 1 proposal named this diagnosis ({votes} of {n} members; {q} "
        "needed), so the cross-review round was skipped.",
    ),
    "supermajority": ReasonWords(
        "Supermajority", "{votes} of {n} members voted for this diagnosis; {q} were needed."
    ),
    "no_supermajority": ReasonWords(
        "No supermajority", "No diagnosis received the {q} votes needed."
    ),
    "tie": ReasonWords(
        "Tie between diagnoses",
        "The votes were tied between diagnoses, and none reached the {q} needed.",
    ),
    "too_many_faults": ReasonWords(
        "Too many faulty members",
        "{faults} members faulted, more than the {f} this panel tolerates, so the panel "
        "cannot decide.",
    ),
    "insufficient_information": ReasonWords(
        "Not enough information",
        "{abstained} of {n} members abstained: not enough information to decide.",
    ),
    "dangerous_dissent": ReasonWords(
        "Dangerous dissent",
        "A confident member proposed a high-severity condition outside the winning class.",
    ),
    "audit": ReasonWords("Audit", "Sent to human review as a routine audit of the panel."),
    "disputed": ReasonWords("Disputed by the clinician", "The clinician disputed the outcome."),
    "failed": ReasonWords("Deliberation failed", "The deliberation could not finish."),
}


def _humanise(code: str) -> str:
    return code.replace("_", " ").strip().capitalize() or "Unknown reason"


def reason_label(code: str) -> str:
    """A reason code in words; an unknown code is humanised, never shown raw."""
    words = REASONS.get(code)
    return words.label if words else _humanise(code)


def reason_sentence(
    code: str,
    *,
    votes: int = 0,
    n: int = 0,
    q: int = 0,
    f: int = 0,
    faults: int = 0,
    abstained: int = 0,
) -> str:
    """The outcome box's sentence for ``code``, with the figures filled in."""
    words = REASONS.get(code)
    if words is None:
        return _humanise(code) + "."
    return words.sentence.format(votes=votes, n=n, q=q, f=f, faults=faults, abstained=abstained)


def candidate_line(label: str, *, votes: int, proposals: int, n: int, round2_skipped: bool) -> str:
    """One candidate of the queue: ``"Ebola (A98.4): 2 votes, 3 proposals"``, or when the
    cross-review round was skipped ``"Ebola (A98.4): 5 of 5 proposed it; no vote was
    needed"``."""
    if round2_skipped:
        return f"{label}: {proposals} of {n} proposed it; no vote was needed"
    return f"{label}: {plural(votes, 'vote')}, {plural(proposals, 'proposal')}"


# --- the live case page -----------------------------------------------------------------

OFFLINE_LABEL = "Offline reference engine — not for clinical use"
OFFLINE_WARNING = (
    "This panel runs the offline reference engine: a demonstration over the DDXPlus "
    "knowledge base, not for clinical use."
)

# What a member card shows it is doing (data-status on the page).
CardStatus = Literal[
    "waiting", "thinking", "writing", "done", "abstained", "timeout", "faulted", "cancelled"
]
STATUS_LABELS: dict[CardStatus, str] = {
    "waiting": "Waiting",
    "thinking": "Thinking",
    "writing": "Writing",
    "done": "Done",
    "abstained": "Abstained",
    "timeout": "Timed out",
    "faulted": "Faulted",
    "cancelled": "Cancelled",
}

# Where the whole deliberation is (data-state on the page).
PageState = Literal["deliberating", "consensus", "no_consensus", "failed"]
STATE_TITLES: dict[PageState, str] = {
    "deliberating": "Deliberating",
    "consensus": "Consensus",
    "no_consensus": "No consensus",
    "failed": "Deliberation failed",
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
REPAIR_NOTE = "[Asked to correct the answer: {error}]"
CANCELLED_DETAIL = "Stopped: the outcome was already decided."
