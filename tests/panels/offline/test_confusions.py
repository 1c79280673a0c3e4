"""The offline panel's neighbour confusions (issue 11). Invented notes (not from any
evaluation set)."""

from __future__ import annotations

from panels.offline import extraction


def test_a_chest_and_upper_abdominal_pain_is_a_chest_pain(kb):
    reading = extraction.read("severe central chest + upper abdo pain after vomiting", kb=kb)
    assert "E_55_@_chest" in reading.tokens
