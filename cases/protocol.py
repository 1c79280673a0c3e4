"""The consensus protocol as pure functions: parse and validate member output, abstentions,
class keys, tally and decision. No Django, no I/O: everything here is decided from plain data.

A member that cannot name a diagnosis with reasonable confidence abstains. An abstention is a
valid answer, never a fault, and counts for no class; so does a proposal whose confidence is
below the panel's ``min_confidence``. The decision is monotone in ``min_confidence``: raising it
on the same answers and votes never creates a consensus nor changes its class, which is what lets
a threshold be calibrated on stored deliberations without re-running them.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, cast

from panels.icd10 import code_set

Outcome = Literal["consensus", "no_consensus"]
Reason = Literal[
    "unanimous_round1",
    "supermajority",
    "no_supermajority",
    "tie",
    "too_many_faults",
    "insufficient_information",
]
AgreementLevel = Literal["category", "code"]

MAX_DIAGNOSIS_CHARS = 200
MAX_REASONING_CHARS = 4000
MAX_DIFFERENTIAL = 10

NO_JSON = "The answer contains no JSON object. Reply with one JSON object only."
NOT_AN_OBJECT = "The answer's JSON is not an object. Reply with one JSON object only."
MISSING_FIELD = "Field {name!r} is missing or empty."
BAD_CONFIDENCE = "Field 'confidence' must be an integer from 0 to 100, not {value!r}."
BAD_ICD10 = (
    "Field 'icd10' is {value!r}, which is not a valid ICD-10-CM category or code "
    "(for example J18.9). Use a real ICD-10-CM code, or null if you cannot name one."
)
BAD_DIFFERENTIAL = "Field 'differential' must be a list of diagnosis names."
TOO_LONG = "Field {name!r} is longer than {limit} characters."
BAD_VOTE = (
    "Field 'vote' is {value!r}, which is not one of the ballot letters {letters}. "
    "Use null to abstain."
)
BAD_ABSTAIN = "Field 'abstain' must be true or false, not {value!r}."


class ProtocolError(ValueError):
    """Member output that fails validation. The message is written to be sent back to the
    member as a repair request."""


@dataclass(frozen=True)
class ProposalData:
    """A validated Round 1 answer. ``icd10`` is a valid dotted ICD-10-CM code or None;
    ``icd10_raw`` keeps what the member actually wrote. An abstention (``abstain``) has an
    empty diagnosis, no code and no confidence, and keeps its reasoning and differential."""

    diagnosis: str
    icd10: str | None
    confidence: int | None
    reasoning: str
    differential: tuple[str, ...] = ()
    icd10_raw: str = ""
    abstain: bool = False


@dataclass(frozen=True)
class VoteData:
    """A validated Round 2 ballot: the letter voted for (None: the member abstained) and why."""

    letter: str | None
    reasoning: str

    @property
    def abstain(self) -> bool:
        return self.letter is None


@dataclass(frozen=True)
class Answer:
    """One valid Round 1 answer as the quorum sees it: its class key and confidence, both
    None when the member abstained."""

    key: str | None
    confidence: int | None


@dataclass(frozen=True)
class Decision:
    """The outcome of a deliberation. ``winner`` is a class key or None; ``tally`` maps class
    keys to votes (Round 2), or to proposals when Round 1 decided."""

    outcome: Outcome
    reason: Reason
    winner: str | None = None
    votes: int = 0
    tally: dict[str, int] = field(default_factory=dict)


# --- ICD-10-CM ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def normalize_icd10(raw: str | None) -> str | None:
    """The dotted ICD-10-CM code for ``raw`` ("j189", " J18.9 ") or None when it is not a
    valid category or (sub)code. Chapters and blocks ("J00-J06") are not codes."""
    if not raw:
        return None
    code = re.sub(r"\s+", "", str(raw)).upper()
    if not re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?", code):
        return None
    icd = code_set()
    if not icd.is_valid_item(code) or not icd.is_category_or_subcategory(code):
        return None
    return icd.add_dot(code) if len(code.replace(".", "")) > 3 else code.replace(".", "")


def icd10_description(code: str | None) -> str:
    """The official description of a valid code, or "" for None/invalid input."""
    normal = normalize_icd10(code)
    return code_set().get_description(normal) if normal else ""


def is_billable(code: str | None) -> bool:
    """True when ``code`` is a valid ICD-10-CM code with no children (billable)."""
    normal = normalize_icd10(code)
    return normal is not None and code_set().is_leaf(normal)


def is_icd10_item(code: str) -> bool:
    """True for any item of the ICD-10-CM code set: chapter ("10"), block ("J09-J18"),
    category or code."""
    return code_set().is_valid_item(code)


def icd10_ancestors(code: str) -> list[str]:
    """The code's ancestors, nearest first (category, block, chapter)."""
    return code_set().get_ancestors(code)


def normalize_name(name: str) -> str:
    """Lower case, accents and punctuation folded to single spaces: the name fallback key."""
    folded = name.casefold().replace("é", "e").replace("è", "e")
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def class_key(diagnosis: str, icd10: str | None, *, level: AgreementLevel = "category") -> str:
    """The diagnosis class a proposal belongs to: its ICD-10-CM code cut to ``level``, or its
    normalised name when it has no valid code."""
    code = normalize_icd10(icd10)
    if code:
        return code[:3] if level == "category" else code
    return "name:" + normalize_name(diagnosis)


# --- parsing -----------------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_json(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``: bare, inside a code fence, or inside prose.

    Raises ProtocolError when there is none.
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start in (i for i, ch in enumerate(candidate) if ch == "{"):
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
            raise ProtocolError(NOT_AN_OBJECT)
    raise ProtocolError(NO_JSON)


def _text_field(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(MISSING_FIELD.format(name=name))
    if len(value) > limit:
        raise ProtocolError(TOO_LONG.format(name=name, limit=limit))
    return value.strip()


def parse_proposal(text: str, *, strict_icd10: bool = True) -> ProposalData:
    """Validate a Round 1 answer: ``{diagnosis, icd10, confidence, reasoning, differential}``,
    or an abstention ``{"abstain": true, "reasoning": ...}`` (diagnosis, code and confidence
    may then be null; they are ignored).

    With ``strict_icd10`` an invalid code is an error (so the member is asked to repair it);
    without, it is dropped and the proposal falls back to its name. Raises ProtocolError.
    """
    data = extract_json(text)
    abstain = data.get("abstain", False)
    if abstain is None:
        abstain = False
    if not isinstance(abstain, bool):
        raise ProtocolError(BAD_ABSTAIN.format(value=abstain))
    reasoning = _text_field(data, "reasoning", MAX_REASONING_CHARS)
    differential = _differential(data)
    if abstain:
        return ProposalData(
            diagnosis="",
            icd10=None,
            confidence=None,
            reasoning=reasoning,
            differential=differential,
            abstain=True,
        )
    diagnosis = _text_field(data, "diagnosis", MAX_DIAGNOSIS_CHARS)
    raw_code = data.get("icd10")
    raw_code = "" if raw_code is None else str(raw_code).strip()
    code = normalize_icd10(raw_code)
    if raw_code and code is None and strict_icd10:
        raise ProtocolError(BAD_ICD10.format(value=raw_code))
    return ProposalData(
        diagnosis=diagnosis,
        icd10=code,
        confidence=_confidence(data.get("confidence")),
        reasoning=reasoning,
        differential=differential,
        icd10_raw=raw_code[:20],
    )


def _confidence(value: Any) -> int:
    confidence = value
    if isinstance(confidence, str) and confidence.strip().rstrip("%").isdigit():
        confidence = int(confidence.strip().rstrip("%"))
    if isinstance(confidence, float) and confidence.is_integer():
        confidence = int(confidence)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int)
        or not 0 <= confidence <= 100
    ):
        raise ProtocolError(BAD_CONFIDENCE.format(value=value))
    return confidence


def _differential(data: dict[str, Any]) -> tuple[str, ...]:
    differential = data.get("differential", [])
    if differential is None:
        differential = []
    if not isinstance(differential, list) or not all(isinstance(d, str) for d in differential):
        raise ProtocolError(BAD_DIFFERENTIAL)
    return tuple(d.strip()[:MAX_DIAGNOSIS_CHARS] for d in differential[:MAX_DIFFERENTIAL])


def parse_vote(text: str, *, letters: Sequence[str]) -> VoteData:
    """Validate a Round 2 answer ``{vote, reasoning}`` against the voter's ballot letters;
    ``{"vote": null, "reasoning": ...}`` (or ``"abstain": true``) is an abstention.

    Raises ProtocolError for a missing field or a letter not on the ballot.
    """
    data = extract_json(text)
    raw = data.get("vote")
    if data.get("abstain") is True or (raw is None and "vote" in data):
        return VoteData(letter=None, reasoning=_text_field(data, "reasoning", MAX_REASONING_CHARS))
    letter = str(raw).strip().upper() if raw is not None else ""
    letter = re.sub(r"^(PROPOSAL|OPTION)\s+", "", letter)
    if letter not in letters:
        shown = ", ".join(letters)
        raise ProtocolError(BAD_VOTE.format(value=raw, letters=shown))
    return VoteData(letter=letter, reasoning=_text_field(data, "reasoning", MAX_REASONING_CHARS))


# --- ballots -----------------------------------------------------------------------------


def ballot_letters(count: int) -> list[str]:
    """Letters A, B, C, ... for ``count`` ballot entries (at most 26)."""
    if not 0 <= count <= len(string.ascii_uppercase):
        raise ValueError(f"a ballot holds at most 26 entries, not {count}")
    return list(string.ascii_uppercase[:count])


def shuffled_order(count: int, *, seed: int) -> list[int]:
    """A per-voter permutation of proposal indices: entry i of the ballot (letter i) shows
    proposal ``order[i]``. Shuffled so no voter can favour a position, itself or a brand."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return order


# --- tally and decision -------------------------------------------------------------------


def tally(keys: Iterable[str]) -> dict[str, int]:
    """Votes per class, most votes first, then by key: independent of ballot order."""
    counts = Counter(keys)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def is_confident(answer: Answer, *, min_confidence: int) -> bool:
    """True when the answer names a class with at least ``min_confidence``: it counts for the
    quorum and stands on the Round 2 ballot. Abstentions and hesitant proposals do not."""
    return answer.key is not None and (answer.confidence or 0) >= min_confidence


def candidates(answers: Sequence[Answer], *, min_confidence: int) -> list[int]:
    """Indices of the answers that go on the Round 2 ballot: the confident ones, in order."""
    return [i for i, a in enumerate(answers) if is_confident(a, min_confidence=min_confidence)]


def early_abort_class(answers: Sequence[Answer], *, q: int, min_confidence: int) -> str | None:
    """The class that decides without Round 2: at least ``q`` confident answers in it and no
    valid answer naming another class. A hesitant dissent (below ``min_confidence``) does not
    count for the quorum but still earns the case a cross-review round: skipping it would let
    a higher threshold create a consensus that a lower one sent to review."""
    named = {a.key for a in answers if a.key is not None}
    if len(named) != 1:
        return None
    (key,) = named
    confident = sum(1 for a in answers if is_confident(a, min_confidence=min_confidence))
    return key if confident >= q else None


def is_settled(counts: dict[str, int], *, q: int, outstanding: int) -> bool:
    """True once one class has ``q`` votes, or no class can still reach ``q`` with the
    ``outstanding`` ballots: further votes cannot change the outcome."""
    best = max(counts.values(), default=0)
    return best >= q or best + outstanding < q


def counted_votes(
    answers: Sequence[Answer], votes: Iterable[int | None], *, min_confidence: int
) -> list[str]:
    """The class keys that Round 2 ``votes`` (indices into ``answers``, None for an abstained
    vote) count for: only votes for a candidate on the ballot count."""
    return [
        cast(str, answers[i].key)
        for i in votes
        if i is not None and is_confident(answers[i], min_confidence=min_confidence)
    ]


def decide(
    *,
    q: int,
    f: int,
    faults: int,
    answers: Sequence[Answer] = (),
    votes: Sequence[int | None] | None = None,
    min_confidence: int = 0,
) -> Decision:
    """Decide a deliberation from its valid Round 1 ``answers`` and, when Round 2 was held,
    its valid ``votes`` (one per ballot: the index into ``answers`` voted for, or None).

    In order: more than ``f`` distinct faulty members is ``too_many_faults``; fewer than ``q``
    confident answers, or fewer than ``q`` counted votes, is ``insufficient_information``;
    without Round 2 the :func:`early_abort_class` decides (``unanimous_round1``); with it, a
    class with at least ``q`` counted votes wins (``supermajority``), a tie at the top is
    ``tie`` and anything else ``no_supermajority``.
    """
    confident = [
        cast(str, a.key) for a in answers if is_confident(a, min_confidence=min_confidence)
    ]
    if faults > f:
        return Decision(outcome="no_consensus", reason="too_many_faults", tally=tally(confident))
    if len(confident) < q:
        return Decision(
            outcome="no_consensus", reason="insufficient_information", tally=tally(confident)
        )
    if votes is None:
        key = early_abort_class(answers, q=q, min_confidence=min_confidence)
        counts = tally(confident)
        if key is not None:
            return Decision(
                outcome="consensus",
                reason="unanimous_round1",
                winner=key,
                votes=counts[key],
                tally=counts,
            )
        return _without_quorum(counts)
    keys = counted_votes(answers, votes, min_confidence=min_confidence)
    counts = tally(keys)
    if len(keys) < q:
        return Decision(outcome="no_consensus", reason="insufficient_information", tally=counts)
    ranked = list(counts.items())
    if ranked[0][1] >= q:
        key, count = ranked[0]
        return Decision(
            outcome="consensus", reason="supermajority", winner=key, votes=count, tally=counts
        )
    return _without_quorum(counts)


def _without_quorum(counts: dict[str, int]) -> Decision:
    ranked = list(counts.values())
    if len(ranked) >= 2 and ranked[0] == ranked[1]:
        return Decision(outcome="no_consensus", reason="tie", tally=counts)
    return Decision(outcome="no_consensus", reason="no_supermajority", tally=counts)


def decide_as_voted(keys: Sequence[str], *, q: int, f: int, faults: int) -> Decision:
    """The decision had every Round 1 answer (class ``keys``) been voted as it is, each member
    confident and voting for its own class: the model of the exact reliability table."""
    answers = [Answer(key, 100) for key in keys]
    return decide(q=q, f=f, faults=faults, answers=answers, votes=list(range(len(answers))))


# --- naming a class ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMember:
    """One proposal inside a diagnosis class, as far as naming the class needs it."""

    diagnosis: str
    icd10: str | None
    confidence: int = 0
    member_index: int = 0
    votes_received: int = 0


@dataclass(frozen=True)
class ClassName:
    """How a diagnosis class is named everywhere: ``label`` is "Pneumonia (J18.9)", or the
    bare diagnosis when no proposal in the class has a valid code."""

    diagnosis: str
    icd10: str
    label: str


def class_name(key: str, members: Iterable[ClassMember]) -> ClassName:
    """Name the class ``key`` after one of its proposals: the one that received the most
    Round 2 votes, then the most confident, then the lowest member index (the rule the
    orchestrator uses for the winner). Without any proposal the key itself names it
    (a name key loses its ``name:`` prefix)."""
    found = list(members)
    if not found:
        bare = key.removeprefix("name:")
        return ClassName(diagnosis=bare, icd10="", label=bare)
    lead = max(found, key=lambda m: (m.votes_received, m.confidence, -m.member_index))
    code = lead.icd10 or ""
    return ClassName(
        diagnosis=lead.diagnosis,
        icd10=code,
        label=f"{lead.diagnosis} ({code})" if code else lead.diagnosis,
    )
