"""The offline panel member as a provider: a thin adapter from the provider contract to
``panels.offline.member``. No API key, no network. An offline reference engine, not for
clinical use.

Options: ``seed`` (else a stable hash of the alias), ``holdout`` (row indices kept out of
training so an evaluation on them is out of sample), ``method`` ("bayes", "text",
"neighbours", "logistic" or "profiles"; default "bayes"), ``view`` ("all" or "symptoms"),
``data_dir`` (else ``settings.DDXPLUS_DIR``), ``stream_delay_ms``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from panels.offline import cache, extraction, knowledge, member
from panels.providers import base

WARM_UP = "warm-up: 40-year-old with fever and cough, no chest pain."  # loads the reading pipeline


def member_seed(spec: base.MemberSpec) -> int:
    """``options["seed"]`` when set, else a hash of the alias that is stable across runs."""
    seed = spec.options.get("seed")
    if seed is not None:
        return int(seed)
    return int(hashlib.sha256(spec.alias.encode("utf-8")).hexdigest()[:12], 16)


class BuiltinProvider:
    """One offline member. Holds no state between calls beyond its cached models."""

    def __init__(self, spec: base.MemberSpec, data_dir: Path) -> None:
        self.spec = spec
        self.data_dir = data_dir
        self.seed = member_seed(spec)
        self.holdout = frozenset(int(i) for i in spec.options.get("holdout", ()))
        self.view = str(spec.options.get("view", "all"))
        self.method = str(spec.options.get("method", "bayes"))
        self.delay_s = float(spec.options.get("stream_delay_ms", 20)) / 1000

    def member(self) -> member.Member:
        """This member over the knowledge base; raises ProviderError (not retryable) when the
        data folder is missing or the options name an unknown method or view."""
        try:
            kb = knowledge.load(self.data_dir)
            return member.Member(
                kb, seed=self.seed, holdout=self.holdout, view=self.view, method=self.method
            )
        except (knowledge.KnowledgeBaseMissing, ValueError) as exc:
            raise base.ProviderError(str(exc), retryable=False) from exc

    def answer(self, request: base.CallRequest) -> dict[str, Any]:
        """The protocol JSON (as a dict) for ``request``."""
        reasoner = self.member()
        if request.phase == "propose":
            return reasoner.propose(request.case_text)
        return reasoner.vote(request.case_text, request.ballot)

    async def complete(
        self, request: base.CallRequest, *, on_delta: base.DeltaSink
    ) -> base.Completion:
        # Training on first use is CPU-bound: off the event loop, so other members' calls and
        # their timeouts keep running meanwhile.
        answer = await asyncio.to_thread(self.answer, request)
        text = json.dumps(answer, ensure_ascii=False)
        if self.delay_s:
            await base.stream_text(text, on_delta, delay_s=self.delay_s)
        else:
            # No pace to simulate (evaluations): one delta, not ~70 that would all arrive at
            # once anyway; each costs the run a coalescer pass.
            await on_delta(text)
        prompt = base.word_count(request.system, *(m.content for m in request.messages))
        usage = base.Usage(input_tokens=prompt, output_tokens=base.word_count(text))
        return base.Completion(text, usage)


def warm(data_dir: Path | None = None) -> float:
    """Import the provider modules, load the knowledge base and the reading pipeline, and
    train and calibrate every member of the default offline panel (or load them from the
    on-disk model cache, ``panels.offline.cache``); returns the seconds it took. Safe to
    call more than once (everything is cached)."""
    from panels import demo

    started = time.perf_counter()
    # A server may offer panels of vendor members too: import every vendor module and its SDK
    # (seconds of CPU) now rather than in the first such case. An evaluation does not warm.
    base.provider_names()
    specs = []
    for fields in demo.OFFLINE_MEMBERS:
        options: dict[str, Any] = dict(fields["options"])
        if data_dir is not None:
            options["data_dir"] = str(data_dir)
        specs.append(
            base.MemberSpec(alias=str(fields["alias"]), provider="builtin", options=options)
        )
    train_members(specs)
    return time.perf_counter() - started


# CPU of training one fold's text classifier relative to one other member's model and
# calibrator (about 1.9 s against 0.4-0.5 s, the demo panel's five folds, 2026-12-02).
CLASSIFIER_WEIGHT = 4.0


def training_shares(
    specs: Iterable[base.MemberSpec], *, processes: int
) -> list[list[Callable[[], None]]]:
    """The training of the offline members among ``specs`` as at most ``processes`` shares
    of about equal CPU, each a list of steps for one process to call in turn; one share when
    the on-disk model cache is off (another process could not hand its models back). The text
    classifiers are one group and each other method's members another: the folds of one
    method share per-process caches of renderings and readings that a second process would
    fill again. Groups go to the lightest share, heaviest first. Loads the knowledge base and
    the reading pipeline first, so processes forked after this start with them."""
    steps: dict[str, list[Callable[[], None]]] = defaultdict(list)
    folds: set[tuple[Path, frozenset[int]]] = set()
    for provider in _ready(specs):
        reasoner = provider.member()
        # Members of one fold share one classifier: in one process, repeats are cache hits.
        steps["classifier"].append(functools.partial(reasoner.train, own=False))
        folds.add((provider.data_dir, provider.holdout))
        if reasoner.method != "text":
            steps[reasoner.method].append(functools.partial(reasoner.train, classifier=False))
    weight = {kind: float(len(group)) for kind, group in steps.items()}
    weight["classifier"] = CLASSIFIER_WEIGHT * len(folds)
    count = max(1, processes if cache.folder() is not None else 1)
    shares: list[list[Callable[[], None]]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for kind in sorted(steps, key=lambda k: -weight[k]):
        lightest = loads.index(min(loads))
        shares[lightest] += steps[kind]
        loads[lightest] += weight[kind]
    return [share for share in shares if share]


@base.register_preparer("builtin")
def train_members(specs: Iterable[base.MemberSpec]) -> float:
    """Train and calibrate the offline members among ``specs`` (others are skipped) before
    they are asked anything, so no member's call timeout runs while its model trains (an
    evaluation's folds each need their own models); returns the seconds it took."""
    started = time.perf_counter()
    for provider in _ready(specs):
        provider.member().train()
    return time.perf_counter() - started


def _ready(specs: Iterable[base.MemberSpec]) -> Iterator[BuiltinProvider]:
    """The offline members among ``specs`` as providers, each with its knowledge base and
    the reading pipeline loaded."""
    for spec in specs:
        if spec.provider != "builtin":
            continue
        provider = build(spec, None)
        assert isinstance(provider, BuiltinProvider)
        extraction.read(WARM_UP, kb=knowledge.load(provider.data_dir))
        yield provider


@base.register("builtin")
def build(spec: base.MemberSpec, api_key: str | None) -> base.Provider:
    """The factory: the data folder is ``options["data_dir"]`` or ``settings.DDXPLUS_DIR``.
    No API key is used."""
    data_dir = spec.options.get("data_dir")
    if data_dir is None:
        from django.conf import settings

        data_dir = settings.DDXPLUS_DIR
    return BuiltinProvider(spec, Path(data_dir))
