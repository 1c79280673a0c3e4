"""Safety nets on a consensus: dangerous dissent and random audits.

A consensus can still be wrong when the members share a blind spot, so two checks run on
every consensus. **Dangerous dissent**: a confident member that proposed, or listed first in
its differential, a condition of high severity (1-2 on the DDXPlus scale) outside the winning
class flags the consensus ("Offline-3 proposed pulmonary embolism, severity 2"). **Random
audit**: a panel's ``audit_rate`` sends that share of consensus cases to the queue.

:func:`find_dissent` and :func:`is_audited` are pure; :func:`severity_lookup` is the one place
that reads severities (DDXPlus and administrators' rules) for them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict

from django.conf import settings

from cases import escalation, protocol
from panels.offline import knowledge
from panels.snapshot import PanelSnapshot

HIGH_SEVERITY = 2
"""Severities 1 and 2 (the DDXPlus scale, 1 = most severe) are the must-not-miss ones."""

PROPOSED = "{member} proposed {diagnosis}, severity {severity}"
LISTED_FIRST = "{member} listed {diagnosis} first in its differential, severity {severity}"

SeverityLookup = Callable[[str, str | None], "Severity | None"]
"""(condition name, ICD-10-CM code or None) -> the condition's severity and class code."""

_CODE_IN_TEXT = re.compile(r"\b([A-Za-z][0-9][0-9A-Za-z](?:\.[0-9A-Za-z]{1,4})?)\b")


@dataclass(frozen=True)
class Severity:
    """A condition's severity (1 = most severe .. 5) and the ICD-10-CM code it was found by
    ("" when only its name was known)."""

    level: int
    icd10: str = ""


@dataclass(frozen=True)
class Opinion:
    """One valid Round 1 answer as the dissent check reads it."""

    member: str
    diagnosis: str
    icd10: str | None
    class_key: str
    confidence: int | None
    differential: tuple[str, ...] = ()
    abstained: bool = False


class DissentEntry(TypedDict):
    """A :class:`Dissent` as stored on the deliberation and sent in its finished event."""

    member: str
    diagnosis: str
    icd10: str
    severity: int
    source: Literal["proposal", "differential"]
    text: str


@dataclass(frozen=True)
class Dissent:
    """A confident member naming a high-severity condition outside the winning class."""

    member: str
    diagnosis: str
    icd10: str
    severity: int
    source: Literal["proposal", "differential"]

    @property
    def text(self) -> str:
        template = PROPOSED if self.source == "proposal" else LISTED_FIRST
        name = self.diagnosis
        if name[1:2].islower():  # "pulmonary embolism", but "PSVT"
            name = name[0].lower() + name[1:]
        return template.format(member=self.member, diagnosis=name, severity=self.severity)

    def as_dict(self) -> DissentEntry:
        """JSON-serialisable, with the flag in words (``text``)."""
        return DissentEntry(
            member=self.member,
            diagnosis=self.diagnosis,
            icd10=self.icd10,
            severity=self.severity,
            source=self.source,
            text=self.text,
        )


def find_dissent(
    opinions: Sequence[Opinion],
    *,
    winner: str,
    severity: SeverityLookup,
    min_confidence: int,
    level: protocol.AgreementLevel = "category",
) -> list[Dissent]:
    """The dangerous dissents against the consensus ``winner`` (a class key): for each
    confident member (an answer at or above ``min_confidence``, not an abstention), its
    proposal, else the first entry of its differential, when that condition has severity 1-2
    and lies outside the winning class. At most one per member, in member order."""
    found: list[Dissent] = []
    for o in opinions:
        answer = protocol.Answer(None if o.abstained else o.class_key, o.confidence)
        if not protocol.is_confident(answer, min_confidence=min_confidence):
            continue
        if o.class_key != winner:
            hit = severity(o.diagnosis, o.icd10)
            if hit is not None and hit.level <= HIGH_SEVERITY:
                found.append(
                    Dissent(o.member, o.diagnosis, o.icd10 or hit.icd10, hit.level, "proposal")
                )
                continue
        if o.differential:
            first = o.differential[0]
            code = _code_in(first)
            hit = severity(first, code)
            if hit is None or hit.level > HIGH_SEVERITY:
                continue
            key = protocol.class_key(first, code or hit.icd10 or None, level=level)
            if key != winner:
                found.append(Dissent(o.member, first, code or hit.icd10, hit.level, "differential"))
    return found


def _code_in(text: str) -> str | None:
    # A differential entry is a name; some members add the code ("Pulmonary embolism (I26.99)").
    for match in _CODE_IN_TEXT.finditer(text):
        code = protocol.normalize_icd10(match.group(1))
        if code is not None:
            return code
    return None


def is_audited(seed: int, *, rate: float) -> bool:
    """Whether the consensus of the deliberation seeded ``seed`` is drawn for a random audit:
    true for a share ``rate`` (0-1) of seeds, always for 1 and never for 0, and the same every
    time for one seed."""
    return random.Random(f"audit:{seed}").random() < rate


# --- the severity lookup (reads DDXPlus and the administrators' rules) ---------------------


def severity_lookup() -> SeverityLookup:
    """A lookup that rates a condition by its code (DDXPlus, then the most specific
    :class:`~cases.models.SeverityRule`), else by its DDXPlus name."""
    names = _ddxplus_names_or_empty()

    def lookup(name: str, code: str | None) -> Severity | None:
        normal = protocol.normalize_icd10(code)
        if normal is not None:  # the queue's severity, so both rank a condition alike
            level = escalation.severity_of(normal)
            if level is not None:
                return Severity(level, normal)
        return names.get(protocol.normalize_name(name))

    return lookup


def _ddxplus_names_or_empty() -> dict[str, Severity]:
    try:
        return _ddxplus_names(Path(settings.DDXPLUS_DIR))
    except knowledge.KnowledgeBaseMissing:
        return {}  # without the data, codes and administrators' rules still rate conditions


@lru_cache(maxsize=4)
def _ddxplus_names(directory: Path) -> dict[str, Severity]:
    found: dict[str, Severity] = {}
    for condition in knowledge.load(directory).conditions.values():
        codes = [protocol.normalize_icd10(c) for c in condition.icd10.split(",")]
        code = next((c for c in codes if c), "") or ""
        found[protocol.normalize_name(condition.name)] = Severity(condition.severity, code)
    return found


# --- after a consensus ------------------------------------------------------------------------


def review(
    snapshot: PanelSnapshot, *, seed: int, winner: str, opinions: Sequence[Opinion]
) -> tuple[list[DissentEntry], str]:
    """The dangerous dissents flagged on a consensus for ``winner`` (as dicts, for storing)
    and the escalation reason it also earns under the panel ``snapshot``: ``dangerous_dissent``
    when the panel escalates them, else ``audit`` when the seed is drawn, else ""."""
    dissent = find_dissent(
        opinions,
        winner=winner,
        severity=severity_lookup(),
        min_confidence=snapshot.min_confidence,
        level=snapshot.agreement_level,
    )
    if dissent and snapshot.dissent_action == "escalate":
        return [d.as_dict() for d in dissent], "dangerous_dissent"
    if is_audited(seed, rate=snapshot.audit_rate):
        return [d.as_dict() for d in dissent], "audit"
    return [d.as_dict() for d in dissent], ""
