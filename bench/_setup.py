"""Shared set-up for benchmarks: Django on a throwaway SQLite file under var/bench/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_on_scratch_db(name: str) -> None:
    """Point Django at a fresh var/bench/<name>.sqlite3 (unless DATABASE_URL is set), migrate."""
    sys.path.insert(0, str(ROOT))
    scratch = ROOT / "var" / "bench" / f"{name}.sqlite3"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consensus_site.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
