"""Running an evaluation's deliberations in several processes, one share of the cases each.

One Python process runs members and database writes under one GIL: on two cores an
evaluation used one. Here each worker is a process of its own (forked while this process has
one thread, so it starts with Django and the knowledge base loaded; spawned otherwise, so no
thread's lock is inherited) on the same database, with no connection inherited; it trains or
loads the offline models of its own folds only, and runs its share of the queued
deliberations through ``deliberation.run``, the same path (claim, lease, rounds, persistence)
as every runner. The parent only waits, reading progress from the database.

Cases are shared out by fold (the rows their judges were trained without), so no two
workers train the same fold's models; a run without folds is dealt out in turn. Workers see
only committed rows, so a run prepared inside a transaction (a test) stays in one process.
The commands default to one process per idle core (``workers_for(None)``: cores less the
one-minute load average, at most 2): on an idle 2-core machine a cold 1,000-row evaluation
runs in two processes; on the shared machine this was first measured on (load average 4-7),
two workers were slower than one (SQLite lock waits and two processes competing for busy
cores), and there the default is one. Measured again on a cold 1,000-row run at load 3-5:
one process 71.5 s (65 s CPU), two 112.8 s (79 s CPU). The folds share a process's caches
(renderings, readings, the classifier's parsed texts): a second process fills them again,
so the split costs about a fifth more CPU, and training the folds in a forked helper while
the cases run in one process lost the same way.

Training is therefore shared out by method, not by fold (:func:`train`, before any case
runs, whatever the load): a forked helper trains the finding-based members of every fold
while this process trains the folds' text classifiers, and loads the helper's models from
the on-disk cache afterwards (about a second). Workers forked after that hold every model,
so they deal the cases out evenly.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections

from cases import evaluation_worker
from cases.evaluation import execution
from cases.evaluation.execution import Progress
from cases.evaluation.inputs import EvaluationError
from cases.models import Deliberation
from cases.models.deliberation import DELIBERATION_TERMINAL
from panels.providers import builtin
from panels.providers.base import MemberSpec

POLL_S = 2.0  # progress is read from the database this often
MAX_DEFAULT = 2  # --workers: processes that run the cases (opt-in, see workers_for)
# Processes that train the members before the cases run, whatever the load: shared out by
# method, not by fold, the helpers repeat almost no work, so a second core only helps.
TRAINING_PROCESSES = min(MAX_DEFAULT, os.cpu_count() or 1)
WORKER_FAILED = (
    "An evaluation worker exited with code {code}; {left} of its {n} cases did not finish. "
    "Run the evaluation again, or with --workers 1 to see the error."
)


def workers_for(requested: int | None, *, cases: int) -> int:
    """How many processes to use: ``requested``, or by default one per idle core (cores
    less the one-minute load average, at most :data:`MAX_DEFAULT`), never more than there
    are cases, and 1 inside a transaction (other processes could not see its uncommitted
    cases)."""
    if connection.in_atomic_block:
        return 1
    wanted = requested if requested is not None else idle_cores()
    return max(1, min(wanted, cases))


def idle_cores() -> int:
    """Cores not busy by the one-minute load average, at least 1, at most MAX_DEFAULT."""
    cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT, int(cores - os.getloadavg()[0] + 0.5)))


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


def train(ids: list[int], *, processes: int) -> bool:
    """Train (or load) the offline members of the deliberations ``ids`` here, before any case
    runs, on up to ``processes`` cores: forked helpers train their shares
    (``builtin.training_shares``) into the on-disk model cache while this process trains
    its own, then this one loads theirs. True when every model is now in this process, so
    workers forked from it need train nothing. Forks only while this process has one thread
    (else it trains alone, in a thread, as the cases' runner does)."""
    return train_members(execution.member_specs(ids), processes=processes)


def train_members(specs: Sequence[MemberSpec], *, processes: int) -> bool:
    """:func:`train` for the members ``specs``."""
    if not _can_fork():
        return False
    # Inside a transaction (a test) its connection must stay open: train here alone.
    alone = connection.in_atomic_block
    parts = builtin.training_shares(specs, processes=1 if alone else processes)
    helpers = [_context().Process(target=_call, args=(part,), daemon=True) for part in parts[1:]]
    if helpers:
        connections.close_all()  # a forked helper must not share this process's connection
    for helper in helpers:
        helper.start()
    _call(parts[0] if parts else [])
    for helper in helpers:
        helper.join()  # a helper that failed only leaves its models to train below
    builtin.train_members(specs)
    return True


def _call(steps: Sequence[Callable[[], None]]) -> None:
    for step in steps:
        step()


def run_in_processes(
    ids: list[int],
    *,
    workers: int,
    concurrency: int,
    progress: Progress | None = None,
    trained: bool = False,
) -> None:
    """Run the queued deliberations ``ids`` in ``workers`` processes and wait for them all;
    ``trained``: this process holds every member's models (:func:`train`), so forked workers
    share the cases out evenly rather than by fold. Raises EvaluationError when a worker
    dies (its cases' results would be missing)."""
    snapshots = list(
        Deliberation.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "panel_snapshot")
    )
    if trained and _can_fork():
        parts = [part for part in (ids[k::workers] for k in range(workers)) if part]
    else:
        parts = shares(snapshots, workers=workers)
    database = str(connection.settings_dict["NAME"])
    connections.close_all()  # the children open their own
    started = time.monotonic()
    processes = [
        _context().Process(
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


def _can_fork() -> bool:
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _context() -> multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext:
    """Fork while this process has one thread (the child starts with everything loaded);
    spawn otherwise (a forked child would inherit other threads' held locks)."""
    if _can_fork():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _finished(ids: list[int]) -> int:
    # One range scan, not a thousand-id IN list; the ids of one run are nearly contiguous.
    ended = Deliberation.objects.filter(
        pk__range=(min(ids), max(ids)), status__in=DELIBERATION_TERMINAL
    ).values_list("pk", flat=True)
    wanted = set(ids)
    return sum(1 for pk in ended.iterator() if pk in wanted)
