"""Fixtures for the vendor provider tests: a local server speaking both vendors' wire formats."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.vendor_server import VendorServer


@pytest.fixture
def vendor_server() -> Iterator[VendorServer]:
    with VendorServer() as server:
        yield server
