"""The default offline panel's five members, one by one, on a free-text JSONL (no Django
deliberation): each member's accuracy when it answers, abstention rate and calibration error,
the members' error-correlation matrix and Fleiss' kappa, and a simple panel rule (a diagnosis
wins when 3 of the 5 members name it; otherwise NO CONSENSUS).

Each line of the file: ``{"id", "text", "pathology": a DDXPlus condition key or null}``; null
means the right outcome is NO CONSENSUS (out of scope, not a clinical case).
Run: ``.venv/bin/python -m bench.offline_members FILE.jsonl [--quorum 3] [--show-wrong]``
(``--show-wrong`` names each wrong consensus: never on a held-out file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench._setup import django_on_scratch_db

ABSTAIN = "(abstain)"
BINS = 10


def _request(text: str) -> Any:
    from panels.providers import base

    return base.CallRequest(
        phase="propose", system="", messages=(base.Message("user", text),), case_text=text
    )


async def _answer(provider: Any, text: str) -> dict[str, Any]:
    async def sink(_delta: str) -> None:
        return None

    completion = await provider.complete(_request(text), on_delta=sink)
    answer: dict[str, Any] = json.loads(completion.text)
    return answer


def _truth_key(pathology: str | None, kb: Any) -> str | None:
    from cases import protocol

    if pathology is None:
        return None
    condition = kb.conditions[pathology]
    return protocol.class_key(condition.display_name, condition.code)


def _label(answer: dict[str, Any]) -> str:
    from cases import protocol

    if answer.get("abstain") or not answer.get("diagnosis"):
        return ABSTAIN
    return protocol.class_key(str(answer["diagnosis"]), answer.get("icd10"))


def ece(confidences: list[float], correct: list[bool]) -> float | None:
    """Expected calibration error over equal-width bins (0-1 confidences)."""
    if not confidences:
        return None
    bins: dict[int, list[int]] = {}
    for i, c in enumerate(confidences):
        bins.setdefault(min(BINS - 1, int(c * BINS)), []).append(i)
    total = 0.0
    for members in bins.values():
        gap = sum(confidences[i] for i in members) / len(members)
        gap -= sum(correct[i] for i in members) / len(members)
        total += abs(gap) * len(members)
    return total / len(confidences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path)
    parser.add_argument("--quorum", type=int, default=3)
    parser.add_argument(
        "--show-wrong",
        action="store_true",
        help="Name each wrong consensus (id, truth, answer): for development files only.",
    )
    args = parser.parse_args()
    django_on_scratch_db("offline-members")
    from django.conf import settings

    from cases import metrics
    from panels import demo
    from panels.offline import knowledge
    from panels.providers import base

    kb = knowledge.load(settings.DDXPLUS_DIR)
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    members = [
        base.build(
            base.MemberSpec(
                alias=str(m["alias"]),
                provider="builtin",
                options={**dict(m["options"]), "stream_delay_ms": 0},
            )
        )
        for m in demo.OFFLINE_MEMBERS
    ]
    started = time.perf_counter()
    labels: list[list[str]] = []
    confidences: list[list[float | None]] = []
    for case in cases:
        answers = [asyncio.run(_answer(m, case["text"])) for m in members]
        labels.append([_label(a) for a in answers])
        confidences.append(
            [None if a.get("confidence") is None else float(a["confidence"]) / 100 for a in answers]
        )
    elapsed = time.perf_counter() - started
    truths = [_truth_key(c.get("pathology"), kb) for c in cases]
    _report(cases, labels, confidences, truths, args.quorum, metrics, show_wrong=args.show_wrong)
    print(f"\n{len(cases)} cases x {len(members)} members in {elapsed:.1f} s (incl. training)")
    return 0


def _report(
    cases: list[dict[str, Any]],
    labels: list[list[str]],
    confidences: list[list[float | None]],
    truths: list[str | None],
    quorum: int,
    metrics: Any,
    *,
    show_wrong: bool,
) -> None:
    n_members = len(labels[0])
    errors: list[list[bool]] = [[] for _ in range(n_members)]
    print(f"{len(cases)} cases, {sum(t is not None for t in truths)} in scope\n")
    print("| member | answers | abstains | accuracy when answering | ECE |")
    print("|---|---|---|---|---|")
    for m in range(n_members):
        answered = [i for i, row in enumerate(labels) if row[m] != ABSTAIN]
        right = [labels[i][m] == truths[i] for i in answered]
        conf = [confidences[i][m] or 0.0 for i in answered]
        for i, row in enumerate(labels):
            errors[m].append(row[m] != ABSTAIN and row[m] != truths[i])
        accuracy = f"{sum(right) / len(answered):.3f}" if answered else "-"
        calibration = ece(conf, right)
        print(
            f"| {m + 1} | {len(answered)} | {1 - len(answered) / len(cases):.1%} | {accuracy} "
            f"| {'-' if calibration is None else f'{calibration:.3f}'} |"
        )
    print("\nError correlation (phi; errors = a wrong answer, abstaining is not an error):")
    for row in metrics.error_correlation(errors):
        print("  " + " ".join("  -  " if v is None else f"{v:+.2f}" for v in row))
    print(
        f"Fleiss' kappa over answers (abstain as a category): "
        f"{metrics.fleiss_kappa(metrics.rating_table(labels)):.3f}"
    )
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    by_kind: dict[str, Counter[str]] = {}
    for case, row, truth in zip(cases, labels, truths, strict=True):
        votes = Counter(label for label in row if label != ABSTAIN)
        winner = next((k for k, v in votes.most_common(1) if v >= quorum), None)
        outcome = "no consensus" if winner is None else "correct" if winner == truth else "wrong"
        outcomes[outcome] += 1
        if outcome == "wrong":
            wrong.append(f"{case['id']} ({case.get('pathology')} -> {winner})")
        by_kind.setdefault(str(case.get("kind", "?")), Counter())[outcome] += 1
    total = len(cases)
    print(
        f"\nPanel rule ({quorum} of {n_members} agree): "
        + ", ".join(
            f"{k} {outcomes[k]} ({outcomes[k] / total:.1%})"
            for k in ("correct", "wrong", "no consensus")
        )
    )
    if show_wrong:  # a held-out file is measured as counts only
        print("Wrong consensus: " + ("; ".join(wrong) or "none"))
    for kind, counts in sorted(by_kind.items()):
        n = sum(counts.values())
        print(
            f"  {kind} ({n}): "
            + ", ".join(f"{k} {counts[k]}" for k in ("correct", "wrong", "no consensus"))
        )


if __name__ == "__main__":
    sys.exit(main())
