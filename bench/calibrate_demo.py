"""Regenerate the demo offline panel's calibration record (panels/offline/data/
demo_calibration.json), which seed_demo applies: `make calibrate-demo`, or
`.venv/bin/python -m bench.calibrate_demo [--alpha A] [--delta D]`.

Runs `manage.py calibrate` on a fresh SQLite file under var/bench/ (so it never touches the
development database) over the free-text development set and 1,000 of the shipped DDXPlus
rows, each row held out of its judges' training through evaluate's five folds, and prints the
risk-coverage table, the guarantee, the wall time and the load average. Refuses (exit 1, the
record unchanged) when no threshold meets alpha.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "panels" / "offline" / "data" / "demo_calibration.json"
CASES = ROOT / "bench" / "data" / "freetext_dev.jsonl"
ALPHA = "0.01"
DELTA = "0.05"
ROWS = "1000"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alpha", default=ALPHA, help=f"Wrong share allowed ({ALPHA}).")
    parser.add_argument("--delta", default=DELTA, help=f"1 - confidence level ({DELTA}).")
    parser.add_argument("--rows", default=ROWS, help=f"DDXPlus rows sampled ({ROWS}).")
    parser.add_argument("--record", type=Path, default=RECORD, help="Where to write it.")
    options = parser.parse_args()
    scratch = ROOT / "var" / "bench" / "calibrate-demo.sqlite3"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch}", "LOG_LEVEL": "WARNING"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    started = time.monotonic()
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True)
    command = [
        *manage,
        "calibrate",
        "--panel",
        "offline",
        "--cases",
        str(CASES),
        "--csv",
        "--limit",
        options.rows,
        "--alpha",
        options.alpha,
        "--delta",
        options.delta,
        "--write-record",
        str(options.record),
    ]
    done = subprocess.run(command, env=env, stderr=subprocess.DEVNULL, check=False)
    print(
        f"wall time {time.monotonic() - started:.1f} s; load average after: "
        f"{os.getloadavg()[0]:.2f}",
        flush=True,
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
