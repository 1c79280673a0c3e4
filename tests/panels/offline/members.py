"""The default panel's five offline members (panels.demo.OFFLINE_MEMBERS) built directly,
trained on the whole knowledge base: what the offline tests judge."""

from __future__ import annotations

from panels import demo
from panels.offline import extraction, knowledge, member


def default_members(kb: knowledge.KnowledgeBase) -> list[member.Member]:
    members = []
    for fields in demo.OFFLINE_MEMBERS:
        options = dict(fields["options"])  # type: ignore[call-overload]
        members.append(
            member.Member(
                kb,
                seed=int(options["seed"]),
                holdout=frozenset(),
                method=str(options["method"]),
                view=str(options["view"]),
            )
        )
    return members


def read_tokens(
    text: str, kb: knowledge.KnowledgeBase
) -> tuple[frozenset[str], int | None, str | None]:
    """What a member's method is given for ``text``: the reading's tokens, age and sex."""
    reading = extraction.read(text, kb=kb)
    return reading.tokens, reading.age, reading.sex
