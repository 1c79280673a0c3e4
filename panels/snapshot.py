"""The panel snapshot: a panel and its members frozen when a deliberation is created, so
later edits never change a past one. Every module that reads a deliberation's panel reads
it through :class:`PanelSnapshot`; it is stored as JSON on the deliberation row
(``Deliberation.panel_snapshot``) by :meth:`PanelSnapshot.to_json`.

Stored snapshots are never migrated, so :meth:`PanelSnapshot.from_json` reads every shape
ever written: fields added later (``min_confidence``, ``audit_rate``, ``dissent_action``,
the members' frozen prices) take the value a panel had before they existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from panels.providers.base import MemberSpec

# The same values as panels.models.AgreementLevel / DissentAction (and protocol.AgreementLevel).
AgreementLevelName = Literal["category", "code"]
DissentActionName = Literal["flag", "escalate"]
AGREEMENT_LEVELS: tuple[AgreementLevelName, ...] = get_args(AgreementLevelName)
DISSENT_ACTIONS: tuple[DissentActionName, ...] = get_args(DissentActionName)


def _one_of[T](value: object, choices: tuple[T, ...], what: str) -> T:
    # A stored value of a closed set; anything else is a corrupted snapshot, said loudly.
    for choice in choices:
        if value == choice:
            return choice
    raise ValueError(f"Panel snapshot: {what} {value!r} is not one of {choices}.")


def as_agreement_level(value: object) -> AgreementLevelName:
    """``value`` as an agreement level; ValueError if it is none."""
    return _one_of(value, AGREEMENT_LEVELS, "agreement level")


def as_dissent_action(value: object) -> DissentActionName:
    """``value`` as a dissent action; ValueError if it is none."""
    return _one_of(value, DISSENT_ACTIONS, "dissent action")


def _price(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class MemberSnapshot:
    """One member as frozen into a snapshot: what the provider is built from (``spec``), and
    which seat and credential it came from (None for members no longer in the database)."""

    spec: MemberSpec
    member_id: int | None = None
    credential_id: int | None = None

    @property
    def alias(self) -> str:
        return self.spec.alias

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MemberSnapshot:
        """Read a stored member entry. Raises KeyError without ``alias`` or ``provider``."""
        spec = MemberSpec(
            alias=str(data["alias"]),
            provider=str(data["provider"]),
            model=str(data.get("model", "")),
            temperature=float(data.get("temperature", 0.3)),
            vote_temperature=float(data.get("vote_temperature", 0.2)),
            max_tokens=int(data.get("max_tokens", 1024)),
            timeout_s=float(data.get("timeout_s", 60.0)),
            system_prompt=str(data.get("system_prompt", "")),
            base_url=str(data.get("base_url", "")),
            options=dict(data.get("options") or {}),
            fault_mode=str(data.get("fault_mode", "")),
            fault_target=str(data.get("fault_target", "")),
            input_price_per_mtok=_price(data.get("input_price_per_mtok")),
            output_price_per_mtok=_price(data.get("output_price_per_mtok")),
        )
        return cls(spec, member_id=data.get("member_id"), credential_id=data.get("credential_id"))

    def to_json(self) -> dict[str, Any]:
        """The stored shape (as ``PanelMember`` wrote it)."""
        s = self.spec
        return {
            "member_id": self.member_id,
            "alias": s.alias,
            "provider": s.provider,
            "model": s.model,
            "temperature": s.temperature,
            "vote_temperature": s.vote_temperature,
            "max_tokens": s.max_tokens,
            "timeout_s": s.timeout_s,
            "system_prompt": s.system_prompt,
            "base_url": s.base_url,
            "options": dict(s.options),
            "fault_mode": s.fault_mode,
            "fault_target": s.fault_target,
            "credential_id": self.credential_id,
            "input_price_per_mtok": s.input_price_per_mtok,
            "output_price_per_mtok": s.output_price_per_mtok,
        }


@dataclass(frozen=True)
class PanelSnapshot:
    """A panel's rules and members as one deliberation runs them. Defaults are the values a
    panel had before each field existed (and the model's defaults)."""

    name: str
    n: int
    q: int
    f: int
    members: tuple[MemberSnapshot, ...] = ()
    panel_id: int | None = None
    agreement_level: AgreementLevelName = "category"
    early_abort: bool = True
    early_decision: bool = True
    grace_period_s: float = 2.0
    member_timeout_s: float = 60.0
    min_confidence: int = 0
    audit_rate: float = 0.0
    dissent_action: DissentActionName = "flag"

    @property
    def specs(self) -> list[MemberSpec]:
        """What each member's provider is built from, in seat order."""
        return [m.spec for m in self.members]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PanelSnapshot:
        """Read a stored snapshot of any age. Raises KeyError without ``name``, ``n``, ``q``
        or ``f``, ValueError for an agreement level or dissent action it does not know."""
        return cls(
            name=str(data["name"]),
            n=int(data["n"]),
            q=int(data["q"]),
            f=int(data["f"]),
            members=tuple(MemberSnapshot.from_json(m) for m in data.get("members", ())),
            panel_id=data.get("panel_id"),
            agreement_level=as_agreement_level(data.get("agreement_level", "category")),
            early_abort=bool(data.get("early_abort", True)),
            early_decision=bool(data.get("early_decision", True)),
            grace_period_s=float(data.get("grace_period_s", 2.0)),
            member_timeout_s=float(data.get("member_timeout_s", 60.0)),
            min_confidence=int(data.get("min_confidence", 0)),
            audit_rate=float(data.get("audit_rate", 0.0)),
            dissent_action=as_dissent_action(data.get("dissent_action", "flag")),
        )

    def to_json(self) -> dict[str, Any]:
        """The stored shape: JSON-serialisable, read back equal by :meth:`from_json`."""
        return {
            "panel_id": self.panel_id,
            "name": self.name,
            "n": self.n,
            "q": self.q,
            "f": self.f,
            "agreement_level": self.agreement_level,
            "early_abort": self.early_abort,
            "early_decision": self.early_decision,
            "grace_period_s": self.grace_period_s,
            "member_timeout_s": self.member_timeout_s,
            "min_confidence": self.min_confidence,
            "audit_rate": self.audit_rate,
            "dissent_action": self.dissent_action,
            "members": [m.to_json() for m in self.members],
        }
