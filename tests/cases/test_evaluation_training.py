"""An evaluation in one process trains its folds on both cores (cases.evaluation.training):
how folds are grouped, when a second process is used, and that a forked process trains its
share and hands the models back through the on-disk cache."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cases.evaluation import parallel, training
from panels import demo
from panels.offline import cache
from panels.providers import builtin
from panels.providers.base import MemberSpec


def specs(holdout: list[int], *, provider: str = "builtin") -> list[MemberSpec]:
    return [
        MemberSpec(
            alias=str(fields["alias"]),
            provider=provider,
            options={**fields["options"], "holdout": holdout},  # type: ignore[dict-item]
        )
        for fields in demo.OFFLINE_MEMBERS
    ]


@pytest.fixture
def model_cache(tmp_path: Path) -> Iterator[Path]:
    before = cache.folder()
    cache.configure(tmp_path / "models")
    try:
        yield tmp_path / "models"
    finally:
        cache.configure(before)


def test_members_are_grouped_by_the_rows_they_are_trained_without():
    folds = training.by_fold(
        [*specs([3, 1]), *specs([2]), *specs([1, 3])[:2], *specs([9], provider="openai")]
    )
    # [3, 1] and [1, 3] hold out the same rows: one fold; vendors' members train nothing.
    assert [len(fold) for fold in folds] == [7, 5]
    assert {tuple(sorted(s.options["holdout"])) for s in folds[0]} == {(1, 3)}


def test_one_process_without_the_cache_or_when_forking_is_unsafe(model_cache, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(parallel, "context", lambda: fork)
    assert training.processes_for(5) == training.MAX_PROCESSES
    assert training.processes_for(1) == 1
    spawn = multiprocessing.get_context("spawn")
    monkeypatch.setattr(parallel, "context", lambda: spawn)  # other threads: no fork
    assert training.processes_for(5) == 1
    monkeypatch.setattr(parallel, "context", lambda: fork)
    cache.configure(None)  # nothing to hand the models back through
    assert training.processes_for(5) == 1


@pytest.mark.slow
def test_a_forked_process_trains_its_folds_into_the_cache(model_cache, monkeypatch, kb):
    # Forked on purpose: this test process may have other threads (so the module would
    # train here), but they hold no lock that training takes.
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(parallel, "context", lambda: fork)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    first, second = specs([0, 1, 2]), specs([3, 4, 5])
    calls: list[tuple[list[Any], set[str]]] = []
    train_members = builtin.train_members

    def spy(given: Any) -> object:
        given = list(given)
        files = {p.name for p in model_cache.glob("*.pickle")} if model_cache.is_dir() else set()
        calls.append(([s.options["holdout"] for s in given], files))
        return train_members(given)

    monkeypatch.setattr(builtin, "train_members", spy)
    assert training.train_folds([*first, *second]) == 2
    # Here: one fold trained, then all loaded; the other fold was trained by the child.
    assert [sorted({tuple(h) for h in holdouts}) for holdouts, _ in calls] == [
        [(0, 1, 2)],
        [(0, 1, 2), (3, 4, 5)],
    ]
    before_loading = calls[1][1]
    # Per fold: 4 member models, 4 calibrators and 1 text classifier (the text member's, which
    # corroborates the four others) = 9 files. This process had trained one fold: the
    # child wrote the other 9.
    assert len(before_loading) == 18
