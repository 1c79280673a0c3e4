"""A scripted provider for orchestrator tests and benchmarks, registered as ``scripted``.

Its behaviour comes from the member's ``options``:
- ``propose``: the Round 1 answer, a dict (sent as JSON) or a raw string;
- ``vote_for``: the ICD-10 code or diagnosis name it votes for in Round 2 (default: the
  ballot entry matching its own proposal); ``"abstain"`` answers ``{"vote": null}``;
- ``delay_s`` / ``vote_delay_s``: how long each round's answer takes;
- ``repair``: a second answer, sent when the orchestrator asks for a repair;
- ``prepare_s``: readying the member takes this long (blocking, as an offline model's
  training does); such a member fails its calls until it has been prepared.
Every request it receives is appended to ``CALLS`` so tests can inspect prompts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from panels.providers import base
from panels.providers.base import CallRequest, Completion, DeltaSink, MemberSpec, Usage

CALLS: list[tuple[str, CallRequest]] = []
PREPARED: set[str] = set()


def abstain(reasoning: str = "Too little to name a diagnosis.") -> dict[str, Any]:
    """A Round 1 abstention."""
    return {"abstain": True, "diagnosis": None, "icd10": None, "reasoning": reasoning}


def answer(diagnosis: str, icd10: str | None, confidence: int = 80) -> dict[str, Any]:
    """A well-formed Round 1 answer."""
    return {
        "diagnosis": diagnosis,
        "icd10": icd10,
        "confidence": confidence,
        "reasoning": f"Findings fit {diagnosis}.",
        "differential": [],
    }


class ScriptedProvider:
    def __init__(self, spec: MemberSpec) -> None:
        self.spec = spec
        self.options = dict(spec.options)

    async def complete(self, request: CallRequest, *, on_delta: DeltaSink) -> Completion:
        CALLS.append((self.spec.alias, request))
        if "prepare_s" in self.options and self.spec.alias not in PREPARED:
            raise base.ProviderError(f"{self.spec.alias} was asked before it was prepared")
        if request.phase == "propose":
            await asyncio.sleep(float(self.options.get("delay_s", 0)))
            script = self.options["repair"] if request.is_repair else self.options["propose"]
            text = script if isinstance(script, str) else json.dumps(script)
        else:
            await asyncio.sleep(float(self.options.get("vote_delay_s", 0)))
            text = json.dumps({"vote": self._choose(request), "reasoning": "Best supported."})
        await base.stream_text(text, on_delta)
        return Completion(text, Usage(input_tokens=100, output_tokens=len(text.split())))

    def _choose(self, request: CallRequest) -> str | None:
        if self.options.get("vote_for") == "abstain":
            return None
        own = self.options.get("propose")
        target = self.options.get("vote_for") or (own.get("icd10") if isinstance(own, dict) else "")
        for entry in request.ballot:
            if target and target in (entry.icd10, entry.diagnosis):
                return entry.letter
        return request.ballot[0].letter


@base.register("scripted")
def _factory(spec: MemberSpec, api_key: str | None) -> ScriptedProvider:
    return ScriptedProvider(spec)


@base.register_preparer("scripted")
def _prepare(specs: Sequence[MemberSpec]) -> None:
    for spec in specs:
        if "prepare_s" in spec.options:
            time.sleep(float(spec.options["prepare_s"]))
            PREPARED.add(spec.alias)
