"""Fit and measure the text member's confidence on free text: its classifier's top score ->
the probability that its answer is right, on the notes of a free-text JSONL where the text
member answers (a development set: the map is then a development fit).

Prints the isotonic map fitted on every answered note (to copy into
``calibration.TEXT_ON_NOTES``), and the map's honest figure: each note's confidence from a map
fitted without it (k-fold cross-fitting), its expected calibration error and how many
answers reach a panel threshold. The classifier itself is never trained on the notes.
Run: ``.venv/bin/python -m bench.text_confidence FILE.jsonl [--folds 5] [--threshold 57]``.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from bench._setup import django_on_scratch_db

TEXT_MEMBER_SEED = 2  # the default panel's text member (Offline-2)
FOLD_SEED = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=int, default=57, help="panel min_confidence, 0-100")
    args = parser.parse_args()
    django_on_scratch_db("text-confidence")
    from django.conf import settings

    from panels.offline import calibration, knowledge, member

    kb = knowledge.load(settings.DDXPLUS_DIR)
    text = member.Member(kb, seed=TEXT_MEMBER_SEED, holdout=frozenset(), method="text")
    scores: list[float] = []
    correct: list[bool] = []
    for line in args.cases.read_text().splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        a = text.assess(case["text"])
        if a.abstain_because is None:
            scores.append(a.ranking.probabilities[0])
            correct.append(a.ranking.conditions[0].name == case.get("pathology"))
    n = len(scores)
    print(f"text member answers {n} notes, right on {sum(correct)}")
    full = calibration.fit(scores, correct)
    print(f"map on all {n}: scores={full.scores} probabilities={full.probabilities}")
    order = list(range(n))
    random.Random(FOLD_SEED).shuffle(order)
    crossed = [0.0] * n
    for k in range(args.folds):
        out = set(order[k :: args.folds])
        fold = calibration.fit(
            [s for i, s in enumerate(scores) if i not in out],
            [c for i, c in enumerate(correct) if i not in out],
        )
        for i in out:
            crossed[i] = fold(scores[i])
    for name, p in (
        ("fitted on all (tuned-on)", [full(s) for s in scores]),
        ("cross-fitted", crossed),
    ):
        ece = calibration.expected_calibration_error(p, correct)
        over = [i for i in range(n) if round(p[i] * 100) >= args.threshold]
        right = sum(correct[i] for i in over)
        print(
            f"{name}: ECE {ece:.3f}; {len(over)}/{n} reach {args.threshold}, "
            f"{right} right, {len(over) - right} wrong"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
