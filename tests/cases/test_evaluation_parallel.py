"""Evaluation cases run in several processes (cases.evaluation.parallel): how the cases are
shared out, when one process is used, and that two processes give the same per-case outcomes
as one."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from cases.evaluation import parallel
from cases.management.commands import calibrate, evaluate
from panels.demo import seed


def snapshot(holdout: list[int]) -> dict[str, Any]:
    return {"members": [{"options": {"seed": i, "holdout": holdout}} for i in range(5)]}


def test_whole_folds_go_to_one_worker_and_the_shares_are_balanced():
    folds = {"a": [1, 2, 3], "b": [4, 5], "c": [6, 7]}
    cases = [(i, snapshot([ord(name)])) for name, ids in folds.items() for i in ids]
    shares = parallel.shares(cases, workers=2)
    # The largest fold (3 cases) to one worker, the two others to the other.
    assert sorted(len(share) for share in shares) == [3, 4]
    for ids in folds.values():
        fold = set(ids)
        # No fold is split between workers: each trains only its own folds' models.
        assert sum(1 for share in shares if fold & set(share)) == 1
    assert sorted(i for share in shares for i in share) == sorted(i for i, _ in cases)


def test_without_folds_the_cases_are_dealt_in_turn():
    cases = [(i, snapshot([])) for i in range(7)]
    shares = parallel.shares(cases, workers=2)
    assert [len(share) for share in shares] == [4, 3]
    assert shares[0] == sorted(shares[0])


def test_one_process_inside_a_transaction_and_never_more_than_the_cases(transactional_db):
    assert parallel.workers_for(2, cases=1) == 1
    assert parallel.workers_for(3, cases=10) == 3
    with transaction.atomic():
        # Another process could not see this transaction's uncommitted cases.
        assert parallel.workers_for(2, cases=10) == 1


def test_by_default_the_commands_use_one_process_per_idle_core(transactional_db, monkeypatch):
    for command in (evaluate.Command(), calibrate.Command()):
        parser = command.create_parser("manage.py", "evaluate")
        assert parser.parse_args([]).workers is None  # workers_for(None): idle cores
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for load, expected in ((0.1, 2), (0.7, 1), (3.5, 1)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert parallel.workers_for(None, cases=1000) == expected
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert parallel.workers_for(None, cases=1000) == parallel.MAX_DEFAULT


def outcomes(out: Path, *args: str) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    call_command("evaluate", "--out", str(out), *args, stdout=io.StringIO(), stderr=io.StringIO())
    lines = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]
    results = json.loads((out / "results.json").read_text())
    return [(c["outcome"], c["reason"], json.dumps(c["winner"])) for c in lines], results


@pytest.mark.slow
def test_two_worker_processes_give_the_outcomes_of_one(transactional_db, kb, tmp_path):
    seed()
    args = ("--limit", "12", "--seed", "7", "--folds", "2")
    one, alone = outcomes(tmp_path / "one", *args, "--workers", "1")
    two, results = outcomes(tmp_path / "two", *args, "--workers", "2")
    assert (alone["run"]["workers"], results["run"]["workers"]) == (1, 2)
    assert two == one
    assert results["n_cases"] == 12 and results["run"]["folds"] == 2


TRAIN_TWICE = """
import os, sys, json
import django
django.setup()
from panels import demo
from panels.offline import cache, knowledge, member
from panels.providers import base, builtin
from cases.evaluation import parallel

models, log = sys.argv[1], sys.argv[2]
holdout = list(range(0, 1000, 3))
specs = [
    base.MemberSpec(
        alias=str(m["alias"]), provider="builtin", options={**m["options"], "holdout": holdout}
    )
    for m in demo.OFFLINE_MEMBERS
]
shares = builtin.training_shares

def recorded(specs, *, processes):
    def step(call):
        def run():
            with open(log, "a") as stream:
                stream.write(f"{os.getpid()}\\n")
            call()
        return run
    return [[step(c) for c in share] for share in shares(specs, processes=processes)]

builtin.training_shares = recorded
answers = []
for processes in (2, 1):
    cache.configure(f"{models}-{processes}")  # cold: every model trained again
    for function in (member._bayes_model, member._findings_model, member._calibrator,
                     member._bayes_calibrator, member.corroboration.classifier):
        function.cache_clear()
    assert parallel.train_members(specs, processes=processes)
    mine = []
    for spec in specs:
        reasoner = builtin.build(spec, None).member()
        calibrator = reasoner.calibrator
        mine.append([calibrator.scores, calibrator.probabilities])
        for row in reasoner.kb.rows[:6]:
            mine.append(reasoner.propose(knowledge.render_patient(row)))
    answers.append(mine)
    with open(log, "a") as stream:
        stream.write("done\\n")
print(json.dumps(answers[0] == answers[1]))
"""


@pytest.mark.slow
def test_members_trained_in_two_processes_answer_as_trained_in_one(tmp_path):
    # A fresh interpreter, with one thread: this one has run cases in threads, and forks
    # only while it has one. Each training step logs the process it ran in.
    log = tmp_path / "ran"
    shown = subprocess.run(
        [sys.executable, "-c", TRAIN_TWICE, str(tmp_path / "models"), str(log)],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "consensus_site.settings"},
    )
    two, one = log.read_text().split("done\n")[:2]
    assert len(set(two.split())) == 2  # this process and a forked helper
    assert len(set(one.split())) == 1
    assert shown.stdout.strip() == "true"
