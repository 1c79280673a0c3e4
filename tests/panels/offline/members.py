"""What the offline tests give a member's method for a text."""

from __future__ import annotations

from panels.offline import decisive, extraction, knowledge
from panels.offline.member import default_members


def read_tokens(
    text: str, kb: knowledge.KnowledgeBase
) -> tuple[frozenset[str], int | None, str | None]:
    """What a member's method is given for ``text``: the reading's tokens, age and sex."""
    reading = extraction.read(text, kb=kb)
    return reading.tokens, reading.age, reading.sex


def present(text: str, kb: knowledge.KnowledgeBase) -> set[str]:
    """The finding tokens the reading of ``text`` states present."""
    return set(extraction.read(text, kb=kb).tokens)


def signs_of(text: str) -> list[str]:
    """The conditions whose decisive signs ``text`` states."""
    return [s.condition for s in decisive.stated(text)]


def named_by(kb: knowledge.KnowledgeBase, text: str) -> list[str | None]:
    """The diagnosis each default member proposes for ``text`` (None where it abstains)."""
    return [m.propose(text).get("diagnosis") for m in default_members(kb)]
