"""How long `verify_audit` takes over a keyed, anchored chain of 100,000 events.

.venv/bin/python -m bench.audit [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import time

from bench._setup import ROOT, django_on_scratch_db


def build_chain(rows: int) -> None:
    from django.utils import timezone

    from cases import audit
    from cases.audit import anchor as audit_anchor
    from cases.models import AuditEvent

    prev, batch, now = audit.GENESIS, [], timezone.now()
    key_id = audit.current_key_id()
    for seq in range(1, rows + 1):
        event = AuditEvent(
            seq=seq,
            key_id=key_id,
            action="case.read",
            object_type="cases.case",
            object_id=str(seq % 977),
            payload={"ip": "10.0.0.7", "reader": seq % 13},
            created_at=now,
            prev_hash=prev,
        )
        event.hash = prev = audit.expected_hash(event)
        batch.append(event)
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    audit_anchor.append(seq=rows, head_hash=prev)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    anchor = ROOT / "var" / "bench" / "audit_checkpoints.jsonl"
    anchor.parent.mkdir(parents=True, exist_ok=True)
    anchor.unlink(missing_ok=True)
    os.environ["AUDIT_CHECKPOINT_FILE"] = str(anchor)
    django_on_scratch_db("audit")
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    build_chain(args.rows)
    built = time.perf_counter() - started
    started = time.perf_counter()
    call_command("verify_audit")
    took = time.perf_counter() - started
    print(f"database: {connection.vendor}")
    print(f"built {args.rows:,} keyed events in {built:.1f} s")
    print(
        f"verify_audit over {args.rows:,} events: {took:.2f} s ({args.rows / took:,.0f} events/s)"
    )


if __name__ == "__main__":
    main()
