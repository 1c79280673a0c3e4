"""Recovery figures on real Celery workers and a Redis of the bench's own (port 6391-6399):

1. kill -9 of a worker's process group mid-run (twice), a replacement started at once: how
   long until every case has ended, and how many are stuck, lost (never ran), duplicated
   (a turn or a terminal event twice) or failed;
2. Redis stopped for ``--outage`` seconds during API submissions, restarted empty: the same
   counts, and how many answers were 5xx.

Members are scripted (answers after 1-3 s); leases of 3 s, a sweep every second, a lost task
re-sent after 6 s. Prints figures; asserts nothing. Needs redis-server.
Run: `.venv/bin/python -m bench.recovery [--cases 12] [--outage 10]`.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench._setup import django_on_scratch_db

django_on_scratch_db("recovery")

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.test import Client  # noqa: E402

from cases import deliberation, runners, tokens  # noqa: E402
from cases.models import Deliberation, DeliberationEvent, DeliberationRun, Role  # noqa: E402
from consensus_site.celery import app  # noqa: E402
from tests.cases.scaleout import RedisServer, Worker, free_port, wait_until  # noqa: E402
from tests.cases.scenarios import CASE_TEXT, PE, PNEUMONIA, member  # noqa: E402
from tests.factories import make_panel  # noqa: E402


def panel(name: str, *, default: bool = False) -> Any:
    return make_panel(
        name,
        [
            member(PNEUMONIA, delay_s=1, vote_delay_s=0.5),
            member(PNEUMONIA, delay_s=2, vote_delay_s=0.5),
            member(PE, delay_s=3, vote_delay_s=0.5, vote_for="J18.9"),
        ],
        q=2,
        f=1,
        grace_period_s=10,
        is_default=default,
    )


def counts(ids: list[int]) -> dict[str, int]:
    rows = Deliberation.objects.filter(pk__in=ids)
    duplicated = 0
    for d in rows:
        kinds = list(
            DeliberationEvent.objects.filter(deliberation=d).values_list("type", flat=True)
        )
        ends = kinds.count("deliberation.finished") + kinds.count("deliberation.failed")
        duplicated += ends > 1 or kinds.count("member.proposal") > 3
    return {
        "cases": len(ids),
        "stuck": rows.filter(status__in=["queued", "running"]).count(),
        "lost": len(ids) - rows.count() + rows.filter(run__attempts=0).count(),
        "duplicated": duplicated,
        "failed": rows.filter(status="failed").count(),
        "resumed": DeliberationRun.objects.filter(deliberation__in=ids, attempts__gte=2).count(),
    }


def kill_twice(redis: RedisServer, cases: int) -> dict[str, Any]:
    p = panel("kill")
    ids = []
    for _ in range(cases):
        created = deliberation.create(CASE_TEXT, panel=p, submitted_by_id=None)
        runners.start(created.pk)
        ids.append(created.pk)
    worker = Worker(redis.url)
    worker.start()
    for _ in range(2):
        wait_until(
            lambda: Deliberation.objects.filter(pk__in=ids, status="running").exists(),
            timeout=120,
            what="a running deliberation",
        )
        time.sleep(1.5)  # mid-round
        killed_at = time.monotonic()
        worker.kill_group()
        worker = Worker(redis.url)
        worker.start()
    wait_until(lambda: not counts(ids)["stuck"], timeout=300, what="every case", every=0.5)
    figures: dict[str, Any] = counts(ids)
    figures["s_from_last_kill_to_all_ended"] = round(time.monotonic() - killed_at, 1)
    worker.stop()
    return figures


def outage(redis: RedisServer, cases: int, seconds: float) -> dict[str, Any]:
    user = User.objects.create_user("bench-outage")
    user.groups.add(Group.objects.get_or_create(name=Role.CLINICIAN)[0])
    client = Client(HTTP_HOST="127.0.0.1")
    auth = {"Authorization": f"Bearer {tokens.create(user, name='bench')[1]}"}
    panel("outage", default=True)
    worker = Worker(redis.url)
    worker.start()
    ids: list[int] = []
    statuses: list[int] = []

    def submit(i: int) -> None:
        response = client.post(
            "/api/cases",
            json.dumps({"text": f"{CASE_TEXT} ({i})"}),
            content_type="application/json",
            headers={**auth, "Idempotency-Key": f"outage-{i}"},
        )
        statuses.append(response.status_code)
        if response.status_code == 202:
            ids.append(int(response.json()["deliberation_id"]))

    third = max(1, cases // 3)
    for i in range(third):
        submit(i)
    redis.stop()
    down_until = time.monotonic() + seconds
    for i in range(third, cases):
        submit(i)
        time.sleep(max(0.0, (down_until - time.monotonic()) / max(1, cases - i)))
    time.sleep(max(0.0, down_until - time.monotonic()))
    redis.start()
    back_at = time.monotonic()
    wait_until(lambda: not counts(ids)["stuck"], timeout=300, what="every case", every=0.5)
    figures: dict[str, Any] = counts(ids)
    figures["answers_5xx"] = sum(s >= 500 for s in statuses)
    figures["answers"] = {str(s): statuses.count(s) for s in sorted(set(statuses))}
    figures["s_from_redis_back_to_all_ended"] = round(time.monotonic() - back_at, 1)
    worker.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--skip-kill", action="store_true", help="only the Redis outage")
    args = parser.parse_args()
    redis = RedisServer(free_port())
    redis.start()
    settings.DELIBERATION_RUNNER = "celery"
    app.conf.update(broker_url=redis.url)
    try:
        if not args.skip_kill:
            print("kill -9 of the worker group, twice:", kill_twice(redis, args.cases))
        print(
            f"Redis stopped {args.outage:g} s during submissions:",
            outage(redis, args.cases, args.outage),
        )
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
