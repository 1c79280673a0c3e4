"""Fixtures for the vendor provider tests: a local server speaking both vendors' wire
formats, and a factory for providers pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from panels.providers.anthropic import AnthropicProvider
from panels.providers.base import MemberSpec
from panels.providers.openai import OpenAIProvider
from tests.fakes.vendor_server import VendorServer

API_KEY = "sk-test-SECRET-0123456789abcdef"
MODELS = {"openai": "gpt-test", "anthropic": "claude-test"}


class Sleeps(list[float]):
    """An injectable ``asyncio.sleep`` that records the waits instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def vendor_server() -> Iterator[VendorServer]:
    with VendorServer(models=tuple(MODELS.values())) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def member_spec(vendor: str, server: VendorServer, **fields: Any) -> MemberSpec:
    """A MemberSpec for ``vendor`` pointed at ``server``."""
    fields.setdefault("model", MODELS[vendor])
    fields.setdefault("base_url", server.openai_url if vendor == "openai" else server.url)
    fields.setdefault("timeout_s", 5.0)
    return MemberSpec(alias="Agent-1", provider=vendor, **fields)


@pytest.fixture
def make_provider(
    vendor_server: VendorServer, sleeps: Sleeps
) -> Callable[..., OpenAIProvider | AnthropicProvider]:
    def make(
        vendor: str, *, api_key: str | None = API_KEY, **fields: Any
    ) -> OpenAIProvider | AnthropicProvider:
        spec = member_spec(vendor, vendor_server, **fields)
        cls = OpenAIProvider if vendor == "openai" else AnthropicProvider
        return cls(spec, api_key, sleep=sleeps)

    return make
