"""Fixtures for the offline panel's DDXPlus data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from panels import ddxplus


@pytest.fixture(scope="session")
def kb() -> ddxplus.KnowledgeBase:
    """The DDXPlus knowledge base at settings.DDXPLUS_DIR. Skips with the reason when it is
    missing, except under CI=true, where the data is provisioned and its absence fails."""
    try:
        return ddxplus.load(Path(settings.DDXPLUS_DIR))
    except ddxplus.KnowledgeBaseMissing as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the DDXPlus data is missing: {exc}")
        pytest.skip(f"DDXPlus data not available: {exc}")
