"""The default offline panel's two-round protocol run directly on its members (no Django
deliberation, no database): fast enough to study a rule change on the development set.

Round 1: every member proposes or abstains; fewer than q proposals is NO CONSENSUS; all in one
class with at least q is a consensus; otherwise every member votes on the ballot of proposals
(``Member.vote``) and a class with q votes wins. The figures match ``manage.py evaluate`` at
``min_confidence`` 0 up to the ballot's shuffling, which these members' votes do not depend on.

Free text: ``python -m bench.offline_panel --cases FILE.jsonl [--show]`` (``--show`` prints
each wrong or decided case of a DEVELOPMENT file; it refuses to print a held-out file's cases).
DDXPlus rows: ``python -m bench.offline_panel --rows 400 [--seed 7]``: that many rows, drawn
with the seed, are held out of every member's training and rendered as ``evaluate`` does.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cases import protocol  # noqa: E402
from panels.offline import knowledge  # noqa: E402
from panels.offline import member as offline  # noqa: E402
from panels.providers.base import BallotEntry  # noqa: E402

DATA = ROOT / "panels" / "offline" / "data" / "ddxplus"
Q = 3


def _key(answer: dict[str, Any]) -> str | None:
    if answer.get("abstain") or not answer.get("diagnosis"):
        return None
    return protocol.class_key(str(answer["diagnosis"]), answer.get("icd10"))


def deliberate(members: list[offline.Member], text: str) -> dict[str, Any]:
    """The outcome of the protocol for ``text``: proposals, votes, winner class or None."""
    proposals = [m.propose(text) for m in members]
    keys = [_key(p) for p in proposals]
    named = [k for k in keys if k is not None]
    result: dict[str, Any] = {"keys": keys, "votes": None, "winner": None, "proposals": proposals}
    if len(named) < Q:
        return result
    if len(set(named)) == 1:
        result["winner"] = named[0]
        return result
    ballot_rows = [p for p in proposals if _key(p) is not None]
    entries = [
        BallotEntry(
            protocol.ballot_letters(len(ballot_rows))[i],
            str(p["diagnosis"]),
            p.get("icd10"),
            int(p.get("confidence") or 0),
            "",
        )
        for i, p in enumerate(ballot_rows)
    ]
    letters = [e.letter for e in entries]
    votes = []
    for m in members:
        vote = m.vote(text, entries)
        votes.append(
            None if vote["vote"] is None else _key(ballot_rows[letters.index(vote["vote"])])
        )
    result["votes"] = votes
    counts = Counter(v for v in votes if v is not None)
    top = counts.most_common(2)
    if top and top[0][1] >= Q and (len(top) == 1 or top[1][1] < top[0][1]):
        result["winner"] = top[0][0]
    return result


def truth_key(kb: knowledge.KnowledgeBase, pathology: str | None) -> str | None:
    if pathology is None:
        return None
    condition = kb.conditions[pathology]
    return protocol.class_key(condition.display_name, condition.code)


def _members(kb: knowledge.KnowledgeBase, holdout: frozenset[int]) -> list[offline.Member]:
    members = offline.default_members(kb, holdout)
    for m in members:
        m.train()
    return members


def _outcome(winner: str | None, truth: str | None) -> str:
    return "none" if winner is None else "correct" if winner == truth else "wrong"


def free_text(path: Path, show: bool) -> None:
    kb = knowledge.load(DATA)
    started = time.perf_counter()
    members = _members(kb, frozenset())
    trained = time.perf_counter() - started
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if show and "holdout" in path.name:
        raise SystemExit("Refusing to print the cases of a held-out file.")
    totals: dict[str, Counter[str]] = {"all": Counter(), "in": Counter(), "out": Counter()}
    abstentions = 0
    started = time.perf_counter()
    for case in cases:
        truth = truth_key(kb, case["pathology"])
        r = deliberate(members, case["text"])
        outcome = _outcome(r["winner"], truth)
        abstentions += sum(k is None for k in r["keys"])
        totals["all"][outcome] += 1
        totals["in" if truth else "out"][outcome] += 1
        if show and (outcome == "wrong" or (show and outcome == "correct")):
            mark = "WRONG" if outcome == "wrong" else "ok"
            print(f"{mark} {case['id']} truth={truth} winner={r['winner']}")
            for i, (k, p) in enumerate(zip(r["keys"], r["proposals"], strict=True)):
                why = p["reasoning"].split("I abstain:")[-1][:90] if k is None else ""
                print(f"   m{i + 1} {k} {p.get('confidence')} {why}")
            if r["votes"] is not None:
                print(f"   votes {r['votes']}")
    elapsed = time.perf_counter() - started
    for name, counts in totals.items():
        n = sum(counts.values())
        print(
            f"{name:>4} ({n}): correct {counts['correct']} wrong {counts['wrong']} "
            f"({counts['wrong'] / max(1, n):.1%}) none {counts['none']}"
        )
    share = abstentions / (len(cases) * len(members))
    print(f"abstention rate {share:.1%}; training {trained:.0f} s, cases {elapsed:.0f} s")


def rows(count: int, seed: int, show: bool) -> None:
    kb = knowledge.load(DATA)
    chosen = sorted(random.Random(seed).sample(range(len(kb.rows)), count))
    members = _members(kb, frozenset(chosen))
    totals: Counter[str] = Counter()
    abstentions = 0
    for index in chosen:
        row = kb.rows[index]
        truth = truth_key(kb, row.pathology)
        r = deliberate(members, knowledge.render_patient(row))
        outcome = _outcome(r["winner"], truth)
        abstentions += sum(k is None for k in r["keys"])
        totals[outcome] += 1
        if show and outcome == "wrong":
            print(f"WRONG row {index} truth={truth} keys={r['keys']} votes={r['votes']}")
    n = sum(totals.values())
    print(
        f"rows ({n}): correct {totals['correct']} ({totals['correct'] / n:.1%}) "
        f"wrong {totals['wrong']} ({totals['wrong'] / n:.1%}) none {totals['none']}; "
        f"abstention rate {abstentions / (n * len(members)):.1%}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path)
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    if args.cases:
        free_text(args.cases, args.show)
    if args.rows:
        rows(args.rows, args.seed, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
