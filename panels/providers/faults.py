"""Fault injection: wraps any provider and makes it misbehave on purpose, so the protocol's
fault tolerance can be shown rather than claimed.

Modes: ``crash`` (every call raises), ``hang`` (never answers), ``garbage`` (non-JSON text),
``wrong`` (proposes the target diagnosis and votes for it), ``collude`` (the same, so that
several colluders push one target), ``self_vote`` (votes for its own proposal) and
``out_of_range`` (votes for a ballot letter that does not exist).
"""

from __future__ import annotations

import asyncio
import json
import re

from panels.providers.base import (
    BallotEntry,
    CallRequest,
    Completion,
    DeltaSink,
    MemberSpec,
    Provider,
    ProviderError,
    Usage,
    register_wrapper,
    stream_text,
    word_count,
)

MODES = ("crash", "hang", "garbage", "wrong", "collude", "self_vote", "out_of_range")
# Colluders with no target of their own agree on this one (ICD-10-CM I26.99).
DEFAULT_TARGET = "Pulmonary embolism | I26.99"
GARBAGE = "I think the patient is fine?? <<<diagnosis: maybe}} {not json: at all"
HANG_S = 24 * 3600


def parse_target(target: str) -> tuple[str, str | None]:
    """``"Name | CODE"``, ``"Name"`` or ``"CODE"`` -> (diagnosis, code or None)."""
    name, _, code = (part.strip() for part in (target or DEFAULT_TARGET).partition("|"))
    if not code and re.fullmatch(r"[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?", name):
        return name.upper(), name.upper()
    return name, code or None


def _same(entry: BallotEntry, diagnosis: str, code: str | None) -> bool:
    if code and entry.icd10:
        return entry.icd10.replace(".", "")[:3] == code.replace(".", "").upper()[:3]
    return entry.diagnosis.strip().casefold() == diagnosis.strip().casefold()


class FaultInjector:
    """A provider that misbehaves in one chosen way and otherwise defers to ``inner``."""

    def __init__(self, inner: Provider, *, mode: str, target: str = "") -> None:
        if mode not in MODES:
            raise ProviderError(f"unknown fault mode {mode!r}; use one of {', '.join(MODES)}")
        self.inner = inner
        self.mode = mode
        self.diagnosis, self.code = parse_target(target)
        self.own: tuple[str, str | None] | None = None

    async def complete(self, request: CallRequest, *, on_delta: DeltaSink) -> Completion:
        if self.mode == "crash":
            raise ProviderError("injected fault: the member crashed")
        if self.mode == "hang":
            await asyncio.sleep(HANG_S)
        if self.mode == "garbage":
            return await self._say(GARBAGE, request, on_delta)
        if request.phase == "propose":
            if self.mode in ("wrong", "collude"):
                answer: dict[str, object] = {
                    "diagnosis": self.diagnosis,
                    "icd10": self.code,
                    "confidence": 95,
                    "reasoning": "The findings are typical of this diagnosis.",
                    "differential": [],
                }
                return await self._say(json.dumps(answer), request, on_delta)
            completion = await self.inner.complete(request, on_delta=on_delta)
            self._remember(completion.text)
            return completion
        return await self._vote(request, on_delta)

    async def _vote(self, request: CallRequest, on_delta: DeltaSink) -> Completion:
        ballot = request.ballot
        letter: str | None = None
        if self.mode == "out_of_range":
            letter = chr(ord("A") + len(ballot))
        elif self.mode in ("wrong", "collude"):
            letter = next((e.letter for e in ballot if _same(e, self.diagnosis, self.code)), None)
        elif self.mode == "self_vote" and self.own is not None:
            letter = next((e.letter for e in ballot if _same(e, *self.own)), None)
        if letter is None:
            return await self.inner.complete(request, on_delta=on_delta)
        answer = {"vote": letter, "reasoning": "This proposal is clearly the best."}
        return await self._say(json.dumps(answer), request, on_delta)

    def _remember(self, text: str) -> None:
        try:
            data = json.loads(text[text.index("{") : text.rindex("}") + 1])
            self.own = (str(data.get("diagnosis", "")), data.get("icd10"))
        except (ValueError, AttributeError):
            self.own = None

    @staticmethod
    async def _say(text: str, request: CallRequest, on_delta: DeltaSink) -> Completion:
        await stream_text(text, on_delta)
        prompt = word_count(request.system, *(m.content for m in request.messages))
        return Completion(text, Usage(input_tokens=prompt, output_tokens=word_count(text)))


@register_wrapper
def inject(provider: Provider, spec: MemberSpec) -> Provider:
    """``provider`` wrapped in a :class:`FaultInjector` when ``spec`` has a fault mode."""
    if not spec.fault_mode:
        return provider
    return FaultInjector(provider, mode=spec.fault_mode, target=spec.fault_target)
