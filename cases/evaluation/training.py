"""Training an evaluation's offline folds on both cores before its cases run in one process.

A cold evaluation of the development rows trains every member once per fold (five folds of
five members: about 5 s of CPU a fold), one fold after another under one GIL. When the
on-disk model cache is on (``panels.offline.cache``), the folds are shared out instead: this
process trains one share while each other share trains in a process of its own, which writes
its models to the cache; then the members of every fold are loaded here from the cache. The
models are the same (each is seeded by its options, and cached under a key of everything it
depends on), only sooner. Without the cache, or with one fold, or one core, nothing is done
here and ``execution.execute_here`` trains as before. The children are forked (they start
with everything loaded, in well under a second), so this is done only when forking is safe.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Sequence

from cases import evaluation_worker
from cases.evaluation import parallel
from panels.offline import cache
from panels.providers import builtin
from panels.providers.base import MemberSpec

MAX_PROCESSES = 2  # the budget's machine has 2 cores

logger = logging.getLogger(__name__)


def by_fold(specs: Sequence[MemberSpec]) -> list[list[MemberSpec]]:
    """The offline members among ``specs`` grouped by the rows they are trained without
    (their ``holdout``), largest group first; others are left out (nothing to train)."""
    folds: dict[str, list[MemberSpec]] = defaultdict(list)
    for spec in specs:
        if spec.provider == "builtin":
            holdout = sorted(int(i) for i in spec.options.get("holdout", ()))
            folds[json.dumps(holdout)].append(spec)
    return sorted(folds.values(), key=len, reverse=True)


def processes_for(folds: int) -> int:
    """How many processes train ``folds`` folds: 1 (this one alone) without the cache to hand
    models back through, or when this process has other threads (a forked child could
    inherit their held locks, and a spawned one would spend on imports and set-up about what
    a fold's training takes); else one per core, at most MAX_PROCESSES and one per fold."""
    if cache.folder() is None or parallel.context().get_start_method() != "fork":
        return 1
    return max(1, min(MAX_PROCESSES, os.cpu_count() or 1, folds))


def train_folds(specs: Sequence[MemberSpec]) -> int:
    """Train the offline members of ``specs`` fold by fold in up to :func:`processes_for`
    processes (this one included), then load them all here; returns the processes used. A
    training process that fails costs only time: its folds are trained here."""
    folds = by_fold(specs)
    processes = processes_for(len(folds))
    if processes > 1:
        shares: list[list[MemberSpec]] = [[] for _ in range(processes)]
        for fold in folds:  # whole folds, round robin: the shares differ by one fold at most
            min(shares, key=len).extend(fold)
        context = parallel.context()
        children = [
            context.Process(target=evaluation_worker.train, args=(share,), daemon=True)
            for share in shares[1:]
        ]
        for child in children:
            child.start()
        builtin.train_members(shares[0])
        for child in children:
            child.join()
            if child.exitcode:
                logger.warning("a training process exited with code %s", child.exitcode)
    builtin.train_members(specs)  # the other shares' models come from the cache
    return processes
