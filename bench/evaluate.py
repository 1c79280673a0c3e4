"""The figures of docs/evaluation.md: the offline panel on the DDXPlus development rows, honest,
with 1 and 2 colluders, without early abort/decision, in-sample, and the 1,000-patient wall time.

Each configuration runs `manage.py evaluate` in its own process on a fresh SQLite file under
var/bench/, so runs never share a database. Prints one Markdown table.
Run: `.venv/bin/python bench/evaluate.py [--limit N] [--only NAME ...] [--cold] [--note]`;
`--cold` starts each evaluation on an empty model cache, as the issue's speed budget is.

With `--note` it also measures one deliberation of the default offline panel on a
2,000-character clinical note: CPU seconds of the whole process (every thread) for the run,
members warmed first, three notes that differ in their first words (so no answer is cached).

With `--cases FILE ...` it measures free-text case files instead (one fresh database each):
correct, wrong and no consensus in and out of scope, abstentions, and the risk-coverage table
(min_confidence, decided share, wrong share of decided, upper 95 % Clopper-Pearson bound).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONFIGS: dict[str, list[str]] = {
    "honest": [],
    "1 colluder": ["--byzantine", "1"],
    "2 colluders": ["--byzantine", "2"],
    "no early abort/decision": ["--no-early-abort", "--no-early-decision"],
    "honest, in-sample": ["--folds", "0"],
    "1,000 patients": ["--limit", "1000"],
}


WORKERS: list[str] = []  # --workers N passed on to every evaluate command (default: its own)
COLD: list[bool] = []  # --cold: every evaluate command starts on an empty model cache


def run(name: str, extra: list[str], *, limit: int | None) -> tuple[dict[str, Any], float]:
    """Evaluate on a fresh database; the results and the command's wall time."""
    slug = "".join(c if c.isalnum() else "-" for c in name)
    scratch = ROOT / "var" / "bench" / f"evaluate-{slug}.sqlite3"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch}", "LOG_LEVEL": "WARNING"}
    out = ROOT / "var" / "bench" / f"evaluate-{slug}"
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True)
    args = [*manage, "evaluate", "--out", str(out), *WORKERS, *extra]
    if limit is not None and "--limit" not in extra:
        args += ["--limit", str(limit)]
    with tempfile.TemporaryDirectory(prefix="offline-models-") as empty:
        if COLD:  # the speed budget is for a cold start: every model trained
            env["OFFLINE_MODEL_CACHE"] = empty
        started = time.monotonic()
        subprocess.run(args, env=env, check=True, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - started
    return json.loads((out / "results.json").read_text()), wall


def pct(interval: dict[str, Any]) -> str:
    return f"{interval['rate']:.2%} ({interval['low']:.2%}–{interval['high']:.2%})"


def counts(scope: dict[str, Any]) -> str:
    return " / ".join(str(scope[k]["count"]) for k in ("correct", "wrong", "none"))


def free_text(files: list[Path], *, extra: list[str]) -> None:
    """One summary line and the risk-coverage table per free-text file."""
    for path in files:
        results, wall = run(f"cases-{path.stem}", ["--cases", str(path), *extra], limit=None)
        scope, abstention = results["scope"], results["abstention"]
        print(
            f"\n### {path.name}: {results['n_cases']} cases, {wall:.1f} s, "
            f"min_confidence {abstention['min_confidence']}\n"
        )
        print("| cases | number | correct / wrong / no consensus |")
        print("|---|---|---|")
        for key in ("in_scope", "out_of_scope"):
            if scope[key]["cases"]:
                print(f"| {key.replace('_', ' ')} | {scope[key]['cases']} | {counts(scope[key])} |")
        print(
            f"\nAbstentions: {abstention['abstentions']} of {abstention['answers']} Round 1 "
            f"answers ({abstention['rate']:.1%}); {abstention['insufficient_information']} cases "
            "insufficient_information.\n"
        )
        print("| min_confidence | decided | decided share | wrong | wrong share | bound |")
        print("|---|---|---|---|---|---|")
        for p in results["risk_coverage"]["points"]:
            print(
                f"| {p['threshold']} | {p['decided']}/{p['cases']} | {p['coverage']:.3f} "
                f"| {p['wrong']} | {p['wrong_share']:.3f} | {p['bound']:.3f} |",
                flush=True,
            )


NOTE = (
    "ED triage note. 58yo M c/o fever, productive cough with rusty sputum and R-sided "
    "pleuritic chest pain x3d, worse on deep inspiration. Reports chills and night sweats, "
    "SOB on exertion since yesterday, decreased appetite. Denies hemoptysis, denies calf "
    "pain or swelling, no recent travel or surgery, no leg trauma. No abdominal pain, no "
    "dysuria, no rash, no headache, no neck stiffness. PMH: HTN, type 2 DM on metformin, "
    "hyperlipidemia; no hx of DVT or PE, no asthma or COPD. Meds: metformin, lisinopril, "
    "atorvastatin. NKDA. Social: smoker 30 pack-years, drinks 2-3 beers on weekends, "
    "lives with wife, works as a bus driver. FHx: father had MI at 62, mother with "
    "diabetes. Vitals: T 39.1 C, HR 112, BP 128/76, RR 24, SpO2 91% on room air. Exam: "
    "alert, oriented, looks unwell and diaphoretic, speaking in full sentences. Chest: "
    "crackles and bronchial breathing at the right base, dullness to percussion R lower "
    "zone, no wheeze. Heart: tachycardic, regular, no murmur. Abdomen soft, non-tender. "
    "Legs: no edema, calves soft and non-tender. Skin: no lesions. Neuro: grossly intact. "
    "Labs pending: CBC, CMP, CRP, lactate, blood cultures x2, sputum culture. CXR ordered. "
    "ECG: sinus tachycardia, no ST changes. Plan: consider CAP, assess CURB-65, start "
    "empiric antibiotics after cultures, O2 to keep sats above 94%, IV fluids, analgesia "
    "for the pleuritic pain, reassess in 1 h. Differential includes pneumonia, PE (Wells "
    "low), acute bronchitis, pleural effusion, lung cancer given smoking history. Wife "
    "says he has been more tired over the last month and lost about 3 kg without trying. "
    "He had a flu-like illness two weeks ago that seemed to settle, then the cough came "
    "back worse. No sick contacts at home. Vaccinations: no pneumococcal, flu shot last "
    "year. Patient anxious, asks whether he will need to stay in hospital tonight. "
    "Reassessment at 1 h: still febrile at 38.7 C, HR 104, RR 22, SpO2 94% on 2 L nasal "
    "prongs; pain better with paracetamol; cough still productive of green-rusty sputum; "
    "no new symptoms. Handover to the medical team for admission and review of the CXR."
)
NOTE_CHARS = 2000


def note(count: int = 3) -> None:
    """CPU and wall seconds of single offline deliberations of a 2,000-character note."""
    import asyncio

    from bench._setup import django_on_scratch_db

    django_on_scratch_db("evaluate-note")
    from cases import deliberation
    from panels import demo
    from panels.models import Panel
    from panels.providers import builtin

    demo.seed()
    builtin.warm()
    panel = Panel.objects.get(name="offline")
    print("\n| 2,000-character note | outcome | CPU s (all threads) | wall s |\n|---|---|---|---|")
    for k in range(count):
        text = (f"Note {k + 1}. " + NOTE)[:NOTE_CHARS]
        assert len(text) == NOTE_CHARS, len(text)
        created = deliberation.create(text, panel=panel, submitted_by_id=None)
        cpu, wall = time.process_time(), time.monotonic()
        asyncio.run(deliberation.run(created.pk))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        created.refresh_from_db()
        print(f"| note {k + 1} | {created.outcome} | {cpu:.3f} | {wall:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="Rows per configuration (default: all).")
    parser.add_argument("--only", nargs="*", choices=list(CONFIGS), help="Run only these.")
    parser.add_argument("--cases", nargs="+", type=Path, help="Free-text case files instead.")
    parser.add_argument(
        "--min-confidence", help="With --cases: run at this min_confidence, not the panel's."
    )
    parser.add_argument(
        "--note", action="store_true", help="Also time a 2,000-character note's deliberation."
    )
    parser.add_argument(
        "--workers", help="Processes per evaluation (default: evaluate's, one per idle core)."
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="Start every evaluation on an empty model cache (train every member).",
    )
    options = parser.parse_args()
    if options.workers:
        WORKERS[:] = ["--workers", options.workers]
    COLD[:] = [True] if options.cold else []
    cache = "an empty model cache each (cold)" if options.cold else "the model cache as it is"
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {cache}")
    if options.cases:
        extra = ["--min-confidence", options.min_confidence] if options.min_confidence else []
        free_text(options.cases, extra=extra)
        return
    print(
        "| configuration | cases | single-member error | correct | wrong | no consensus "
        "| tokens/case | Round 2 skipped | command wall time |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, extra in CONFIGS.items():
        if options.only and name not in options.only:
            continue
        results, wall = run(name, extra, limit=options.limit)
        panel, intervals = results["panel"], results["panel"]["intervals"]
        skipped = results["early_stop"]["round2_skipped_rate"]
        print(
            f"| {name} | {results['n_cases']} "
            f"| {results['reliability']['p_single_member_error']:.2%} "
            f"| {pct(intervals['correct'])} | {pct(intervals['wrong'])} | {pct(intervals['none'])} "
            f"| {panel['tokens_per_case']:.0f} | {skipped:.1%} "
            f"| {wall:.1f} s (run {results['run']['wall_time_s']:.1f} s, "
            f"{results['run'].get('workers', 1)} processes) |",
            flush=True,
        )
    if options.note:
        note()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
