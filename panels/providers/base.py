"""The provider contract: one async, streaming call per agent turn.

Every vendor module maps a :class:`CallRequest` to its SDK and its stream back to text deltas;
nothing outside ``panels/providers`` knows which vendor it talks to. Providers never import
``cases``: what they need of a deliberation travels in the request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Phase = Literal["propose", "vote"]

DeltaSink = Callable[[str], Awaitable[None]]
"""Receives each text delta as the provider produces it."""


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class BallotEntry:
    """One anonymised proposal as a voter sees it in Round 2."""

    letter: str
    diagnosis: str
    icd10: str | None
    confidence: int
    reasoning: str


@dataclass(frozen=True)
class CallRequest:
    """Everything one agent turn needs.

    ``system`` and ``messages`` are the rendered prompt that LLM providers send. ``case_text``
    and ``ballot`` carry the same content as data, for providers that reason without a prompt
    (the offline engine, the fault injector). ``messages`` ends with the user turn; a repair
    request appends the faulty answer and the validation error as two more turns.
    """

    phase: Phase
    system: str
    messages: tuple[Message, ...]
    case_text: str
    ballot: tuple[BallotEntry, ...] = ()
    temperature: float = 0.3
    max_tokens: int = 1024
    is_repair: bool = False


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
        )


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)


class ProviderError(Exception):
    """A call failed. ``retryable`` says whether the same call may succeed later."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class MemberSpec:
    """A panel member as frozen into a deliberation's snapshot."""

    alias: str
    provider: str
    model: str = ""
    temperature: float = 0.3
    vote_temperature: float = 0.2
    max_tokens: int = 1024
    timeout_s: float = 60.0
    system_prompt: str = ""
    base_url: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    fault_mode: str = ""
    fault_target: str = ""
    # USD per million tokens, frozen from the price table when the deliberation started;
    # None: no price known, the call costs 0.
    input_price_per_mtok: float | None = None
    output_price_per_mtok: float | None = None

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}" if self.model else self.provider

    def usage(self, input_tokens: int, output_tokens: int) -> Usage:
        """``Usage`` for these token counts, priced with this member's frozen prices."""
        cost = (
            input_tokens * (self.input_price_per_mtok or 0.0)
            + output_tokens * (self.output_price_per_mtok or 0.0)
        ) / 1_000_000
        return Usage(input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=cost)


class Provider(Protocol):
    """One agent. A provider instance lives for one deliberation and may keep state across it."""

    async def complete(self, request: CallRequest, *, on_delta: DeltaSink) -> Completion:
        """Answer ``request``, awaiting ``on_delta`` with each text delta as it is produced.

        Returns the full text and its usage. Raises :class:`ProviderError` on any failure the
        vendor reports; cancellation (``asyncio.CancelledError``) must close what it opened.
        """
        ...


async def stream_text(
    text: str, on_delta: DeltaSink, *, chunk_chars: int = 12, delay_s: float = 0.0
) -> None:
    """Feed ``text`` to ``on_delta`` in word-aligned chunks of about ``chunk_chars``, sleeping
    ``delay_s`` between them: how providers without a network stream simulate one."""
    import asyncio
    import re

    piece = ""
    for token in re.findall(r"\S+\s*|\s+", text):
        piece += token
        if len(piece) >= chunk_chars:
            await on_delta(piece)
            piece = ""
            if delay_s:
                await asyncio.sleep(delay_s)
    if piece:
        await on_delta(piece)


def word_count(*texts: str) -> int:
    """A rough token count for providers that have no tokenizer."""
    return sum(len(t.split()) for t in texts)


ProviderFactory = Callable[[MemberSpec, str | None], Provider]

_REGISTRY: dict[str, ProviderFactory] = {}


def register(name: str) -> Callable[[ProviderFactory], ProviderFactory]:
    """Class or function decorator that makes a provider available under ``name``."""

    def decorate(factory: ProviderFactory) -> ProviderFactory:
        _REGISTRY[name] = factory
        return factory

    return decorate


def provider_names() -> list[str]:
    _load_builtin_modules()
    return sorted(_REGISTRY)


def build(spec: MemberSpec, *, api_key: str | None = None) -> Provider:
    """Build the provider for ``spec``, wrapped in the fault injector when it has a fault mode.

    Raises :class:`ProviderError` for an unknown provider name.
    """
    _load_builtin_modules((spec.provider,))
    try:
        factory = _REGISTRY[spec.provider]
    except KeyError:
        raise ProviderError(f"unknown provider {spec.provider!r}") from None
    provider = factory(spec, api_key)
    for wrap in _WRAPPERS:
        provider = wrap(provider, spec)
    return provider


Wrapper = Callable[[Provider, MemberSpec], Provider]

# Applied by build() in turn to every provider it builds (the fault injector registers one),
# so that this module, the contract, imports none of the modules that implement it.
_WRAPPERS: list[Wrapper] = []


def register_wrapper(wrap: Wrapper) -> Wrapper:
    """Decorator that has :func:`build` pass every provider it builds through ``wrap``
    (which returns it unchanged when the member's spec does not concern it)."""
    if wrap not in _WRAPPERS:
        _WRAPPERS.append(wrap)
    return wrap


Preparer = Callable[[Sequence[MemberSpec]], object]

# Work a provider's members need before their first answer (the offline members train or
# load their models), done before any member's call timeout starts.
_PREPARERS: dict[str, Preparer] = {}


def register_preparer(name: str) -> Callable[[Preparer], Preparer]:
    """Decorator that registers what readies the members of provider ``name`` (blocking)."""

    def decorate(prepare_fn: Preparer) -> Preparer:
        _PREPARERS[name] = prepare_fn
        return prepare_fn

    return decorate


def prepare(specs: Sequence[MemberSpec]) -> None:
    """Ready the members among ``specs`` whose provider needs it (blocking: call it in a
    thread). A failure is only logged: the member's own call then reports it as its fault."""
    _load_builtin_modules(spec.provider for spec in specs)
    for name, prepare_fn in _PREPARERS.items():
        mine = [spec for spec in specs if spec.provider == name]
        if not mine:
            continue
        try:
            prepare_fn(mine)
        except Exception:
            logging.getLogger(__name__).exception("preparing the %s members failed", name)


ConnectionCheck = Callable[[MemberSpec, str | None], Awaitable[tuple[bool, str]]]

_CHECKS: dict[str, ConnectionCheck] = {}

NO_CHECK_NEEDED = "Nothing to check: this provider makes no network calls."


def register_check(name: str) -> Callable[[ConnectionCheck], ConnectionCheck]:
    """Decorator that registers the credential check of the provider called ``name``."""

    def decorate(check_fn: ConnectionCheck) -> ConnectionCheck:
        _CHECKS[name] = check_fn
        return check_fn

    return decorate


async def check(spec: MemberSpec, *, api_key: str | None = None) -> tuple[bool, str]:
    """Test ``spec``'s endpoint and key with the vendor's cheapest call.

    Returns ``(True, what was checked)`` or ``(False, the vendor's error in plain words)``;
    never raises for a vendor failure and never includes the key. Providers that make no
    network calls pass. An unknown provider name fails.
    """
    _load_builtin_modules((spec.provider,))
    if spec.provider not in _REGISTRY:
        return False, f"unknown provider {spec.provider!r}"
    check_fn = _CHECKS.get(spec.provider)
    if check_fn is None:
        return True, NO_CHECK_NEEDED
    try:
        return await check_fn(spec, api_key)
    except ProviderError as exc:
        return False, str(exc)


# The modules of this package that each register the provider of their own name.
PROVIDER_MODULES = ("builtin", "openai", "anthropic")


def _load_builtin_modules(names: Iterable[str] | None = None) -> None:
    """Import the provider modules of ``names`` (None: every one) and the fault injector.
    Importing a vendor module registers it and loads its SDK (the anthropic SDK alone takes
    over a second of CPU): a panel of offline members, as in an evaluation, loads none."""
    import importlib

    wanted = PROVIDER_MODULES if names is None else set(names)
    for module in (*(m for m in PROVIDER_MODULES if m in wanted), "faults"):
        try:
            importlib.import_module(f"panels.providers.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"panels.providers.{module}":
                raise
