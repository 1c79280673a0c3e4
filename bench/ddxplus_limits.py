"""What the DDXPlus development rows themselves allow: the ceiling on correct consensus that no
offline member can pass without breaking a rule it must keep.

Two groups of rows cannot be decided rightly from what they state:

1. Rare, travel- or contact-bound conditions (``knowledge.EXPOSURES``): a member never names one
   without its exposure (issue 11), and rows that do not state it are NO CONSENSUS by rule.
2. Twin conditions (knowledge-base findings at least ``scope.TWIN_SHARE`` shared): rows that
   state none of the findings that set the twins apart. For those it fits a naive Bayes and a
   logistic regression on the pair's rows alone, leave-one-out (every token of the row, age
   band and sex), and prints how many such rows each could decide at a posterior threshold and
   how many of those would be wrong: the best any member could do on them.

Then the ceiling: the share of all rows that is left once group 1 and the undecidable part of
group 2 are taken away. Prints figures; asserts nothing. Pure: no Django, no database.
Run: `.venv/bin/python -m bench.ddxplus_limits [KB_DIR]`.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneOut, cross_val_predict
from sklearn.naive_bayes import BernoulliNB

from panels.offline import knowledge, methods
from panels.offline.scope import TWIN_SHARE

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "panels" / "offline" / "data" / "ddxplus"
THRESHOLDS = (0.6, 0.7, 0.8, 0.9, 0.95)


def _twins(kb: knowledge.KnowledgeBase) -> list[tuple[knowledge.Condition, knowledge.Condition]]:
    pairs = []
    for a, b in itertools.combinations(kb.conditions.values(), 2):
        union = a.findings | b.findings
        if union and len(a.findings & b.findings) / len(union) >= TWIN_SHARE:
            pairs.append((a, b))
    return pairs


def _codes(row: knowledge.PatientRow) -> set[str]:
    return {token.split("_@_")[0] for token in row.evidences}


def _leave_one_out(rows: Sequence[knowledge.PatientRow], first: str) -> None:
    tokens = sorted({t for r in rows for t in r.evidences})
    x = np.array(
        [
            [t in r.evidences for t in tokens]
            + [methods.age_band(r.age) == band for band in range(8)]
            + [r.sex == "M"]
            for r in rows
        ],
        dtype=float,
    )
    y = np.array([r.pathology == first for r in rows])
    for name, model in (
        ("naive Bayes", BernoulliNB(alpha=0.5)),
        ("logistic regression", LogisticRegression(C=1.0, max_iter=2000)),
    ):
        p = cross_val_predict(model, x, y, cv=LeaveOneOut(), method="predict_proba")[:, 1]
        wrong = (p > 0.5) != y
        cells = []
        for threshold in THRESHOLDS:
            decided = np.maximum(p, 1 - p) >= threshold
            cells.append(f"{threshold:.2f}: {decided.sum()} decided, {wrong[decided].sum()} wrong")
        print(f"    {name}, leave-one-out: {'; '.join(cells)}")


def main(directory: Path) -> None:
    kb = knowledge.load(directory)
    total = len(kb.rows)
    print(f"{total} DDXPlus rows in {directory}")
    lost = 0  # rows no rule may name rightly
    silent_total = rarer_total = 0
    print("\n1. Conditions named only with a stated finding they require")
    for name in knowledge.REQUIRED:
        condition = kb.conditions[name]
        rows = [r for r in kb.rows if r.pathology == name]
        stated = [
            r
            for r in rows
            if not knowledge.unmet(condition, knowledge.stated(frozenset(r.evidences), kb))
        ]
        lost += len(rows) - len(stated)
        print(f"  {name}: {len(rows)} rows, {len(stated)} state it")
    print(f"\n2. Twin conditions (findings shared at least {TWIN_SHARE:.0%})")
    for a, b in _twins(kb):
        apart = a.findings ^ b.findings
        rows = [r for r in kb.rows if r.pathology in (a.name, b.name)]
        silent = [r for r in rows if not _codes(r) & apart]
        by_condition = {c.name: sum(r.pathology == c.name for r in silent) for c in (a, b)}
        print(
            f"  {a.name} / {b.name}: {len(rows)} rows; {len(silent)} state none of "
            f"{', '.join(sorted(apart))} ({by_condition})"
        )
        if len({r.pathology for r in silent}) == 2:
            _leave_one_out(silent, a.name)
            silent_total += len(silent)
            rarer_total += min(by_condition.values())
    print("\nCeiling on correct consensus, before any member's own error:")
    print(
        f"  silent twin rows left undecided: {1 - (lost + silent_total) / total:.1%} correct, "
        "0 wrong from them"
    )
    # Deciding them all as the commoner twin is right on the commoner's rows only.
    print(
        f"  silent twin rows all decided as the commoner twin: "
        f"{1 - (lost + rarer_total) / total:.1%} correct, {rarer_total / total:.2%} wrong"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR)
