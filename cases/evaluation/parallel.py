"""Running an evaluation's deliberations in several processes, one share of the cases each.

One Python process runs members and database writes under one GIL: on two cores an
evaluation used one. Here each worker is a fresh process (``spawn``: no thread or connection
of this one is inherited) that sets Django up on the same database, trains or loads the
offline models of its own folds only, and runs its share of the queued deliberations through
``deliberation.run``, the same path (claim, lease, rounds, persistence) as every runner. The
parent only waits, reading progress from the database.

Cases are shared out by fold (the rows their judges were trained without), so no two
workers train the same fold's models; a run without folds is dealt out in turn. Workers see
only committed rows, so a run prepared inside a transaction (a test) stays in one process.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections

from cases import evaluation_worker
from cases.evaluation.inputs import EvaluationError
from cases.models import Deliberation
from cases.models.deliberation import DELIBERATION_TERMINAL

Progress = Callable[[int, int, float], None]
POLL_S = 0.5
WORKER_FAILED = (
    "An evaluation worker exited with code {code}; {left} of its {n} cases did not finish. "
    "Run the evaluation again, or with --workers 1 to see the error."
)


def workers_for(requested: int | None, *, cases: int) -> int:
    """How many processes to use: ``requested``, or by default one per core (at most 2,
    the machine this is measured on), never more than there are cases, and 1 inside a
    transaction (other processes could not see its uncommitted cases)."""
    if connection.in_atomic_block:
        return 1
    wanted = requested if requested is not None else min(2, os.cpu_count() or 1)
    return max(1, min(wanted, cases))


def shares(snapshots: Sequence[tuple[int, dict[str, Any]]], *, workers: int) -> list[list[int]]:
    """The deliberation ids of ``snapshots`` ((id, panel snapshot) pairs) dealt into
    ``workers`` shares: whole folds (same members' options) to the share with the fewest
    cases so far, largest fold first; ids in their original order within a share."""
    folds: dict[str, list[int]] = defaultdict(list)
    for deliberation_id, snapshot in snapshots:
        key = json.dumps([m.get("options", {}) for m in snapshot["members"]], sort_keys=True)
        folds[key].append(deliberation_id)
    groups = sorted(folds.values(), key=len, reverse=True)
    if len(groups) < workers:  # no folds to share out: deal single cases in turn
        groups = [[i] for group in groups for i in group]
    result: list[list[int]] = [[] for _ in range(workers)]
    for group in groups:
        min(result, key=len).extend(group)
    order = {deliberation_id: at for at, (deliberation_id, _) in enumerate(snapshots)}
    return [sorted(share, key=order.__getitem__) for share in result if share]


def run_in_processes(
    ids: list[int], *, workers: int, concurrency: int, progress: Progress | None = None
) -> None:
    """Run the queued deliberations ``ids`` in ``workers`` processes and wait for them all.
    Raises EvaluationError when a worker dies (its cases' results would be missing)."""
    snapshots = list(
        Deliberation.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "panel_snapshot")
    )
    parts = shares(snapshots, workers=workers)
    database = str(connection.settings_dict["NAME"])
    connections.close_all()  # the children open their own
    context = multiprocessing.get_context("spawn")
    started = time.monotonic()
    processes = [
        context.Process(
            target=evaluation_worker.work, args=(part, database, concurrency), daemon=True
        )
        for part in parts
    ]
    for process in processes:
        process.start()
    while any(p.is_alive() for p in processes):
        time.sleep(POLL_S)
        if progress is not None:
            progress(_finished(ids), len(ids), time.monotonic() - started)
    for process, part in zip(processes, parts, strict=True):
        process.join()
        if process.exitcode:
            left = len(part) - _finished(part)
            raise EvaluationError(
                WORKER_FAILED.format(code=process.exitcode, left=left, n=len(part))
            )
    if progress is not None:
        progress(_finished(ids), len(ids), time.monotonic() - started)


def _finished(ids: list[int]) -> int:
    return Deliberation.objects.filter(pk__in=ids, status__in=DELIBERATION_TERMINAL).count()
