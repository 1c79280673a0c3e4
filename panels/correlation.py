"""Warnings, not refusals, for panels whose members are likely to err together.

The quorum arithmetic (see :mod:`panels.quorum`) assumes members err independently. Copies of
one model, one vendor's models, or members sampling at very different temperatures break that
assumption or make answers noisy; the administrator is told in plain words. Standard library
only: it reads the members' frozen specs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from panels.providers.base import MemberSpec

BUILTIN = "builtin"
TEMPERATURE_LOW = 0.2
TEMPERATURE_HIGH = 0.3

SAME_MODEL = (
    "{count} members run the same model ({provider}/{model}): their mistakes will be "
    "correlated, so the panel is less reliable than the reliability table assumes. Mix models."
)
SINGLE_VENDOR = (
    "Every member comes from one vendor ({provider}): a vendor-wide blind spot or outage "
    "hits the whole panel at once. Add members from another vendor."
)
OFFLINE_ONLY = (
    "Every member is the offline reference engine (DDXPlus): this is the offline demo panel, "
    "not for clinical use. Its members share one knowledge base, so their mistakes are "
    "correlated."
)
TEMPERATURE_OUT_OF_RANGE = (
    "{alias}: {round_name} temperature {value:g} is outside {low:g}-{high:g}; diagnoses "
    "become {effect}. Use a value between {low:g} and {high:g}."
)


def correlation_warnings(members: Sequence[MemberSpec]) -> list[str]:
    """Plain-words warnings for ``members``, in a stable order; empty when nothing stands out.

    - the same provider and model more than once (offline members are exempt: each is
      trained on its own bootstrap sample, and the offline rule below covers them);
    - one vendor for every member of a panel of two or more, or only offline members;
    - a Round 1 ``temperature`` or Round 2 ``vote_temperature`` outside 0.2-0.3 (offline
      members ignore temperature, so they are exempt).
    """
    found: list[str] = []
    models = Counter((m.provider, m.model) for m in members if m.provider != BUILTIN)
    for (provider, model), count in models.items():
        if count > 1:
            found.append(
                SAME_MODEL.format(count=count, provider=provider, model=model or "default model")
            )
    providers = {m.provider for m in members}
    if len(members) > 1 and len(providers) == 1:
        [provider] = providers
        found.append(
            OFFLINE_ONLY if provider == BUILTIN else SINGLE_VENDOR.format(provider=provider)
        )
    for member in members:
        if member.provider == BUILTIN:
            continue
        for round_name, value in (
            ("Round 1", member.temperature),
            ("Round 2 vote", member.vote_temperature),
        ):
            if not TEMPERATURE_LOW <= value <= TEMPERATURE_HIGH:
                found.append(
                    TEMPERATURE_OUT_OF_RANGE.format(
                        alias=member.alias,
                        round_name=round_name,
                        value=value,
                        low=TEMPERATURE_LOW,
                        high=TEMPERATURE_HIGH,
                        effect="noisier" if value > TEMPERATURE_HIGH else "deterministic",
                    )
                )
    return found
