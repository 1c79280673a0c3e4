"""Running queued evaluation deliberations in this process: the members' models are trained
first, then the deliberations run at most ``concurrency`` at a time. Its own module so that an
evaluation worker process (``cases.evaluation_worker``) can run its share without importing
what launches the workers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from asgiref.sync import sync_to_async

from cases import deliberation
from cases.models import Deliberation
from panels.models import member_spec
from panels.providers import builtin
from panels.providers.base import MemberSpec

# Called with (cases done, cases in all, seconds so far).
Progress = Callable[[int, int, float], None]


async def execute_here(
    ids: list[int], *, concurrency: int, progress: Progress | None = None
) -> None:
    """Run the queued deliberations ``ids`` in this process, at most ``concurrency`` at a
    time."""
    started = time.monotonic()
    # Every fold trains its own offline models: train them first, so no member's call
    # timeout runs while it trains (that would count a slow start as a fault).
    specs = await sync_to_async(member_specs)(ids)
    await asyncio.to_thread(builtin.train_members, specs)
    done = 0
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(deliberation_id: int) -> None:
        nonlocal done
        async with gate:
            await deliberation.run(deliberation_id)
        done += 1
        if progress is not None:
            progress(done, len(ids), time.monotonic() - started)

    await asyncio.gather(*(one(i) for i in ids))


def member_specs(deliberation_ids: list[int]) -> list[MemberSpec]:
    """The distinct member specs of these deliberations' frozen panels."""
    seen: dict[str, MemberSpec] = {}
    for snap in Deliberation.objects.filter(pk__in=deliberation_ids).values_list(
        "panel_snapshot", flat=True
    ):
        for data in snap["members"]:
            seen.setdefault(json.dumps(data, sort_keys=True, default=str), member_spec(data))
    return list(seen.values())
