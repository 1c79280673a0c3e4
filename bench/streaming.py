"""Live streaming figures, over a real websocket on loopback (daphne serving the project's ASGI
application in this process):

- latency from a provider emitting a token delta to the page receiving it (p50/p95), with 5
  members streaming at once at ~100 tokens/s each, through the DeltaCoalescer (one shared,
  leading-edge batch per deliberation), the DeliberationEvent write, the channel layer and
  the consumer, at STREAM_COALESCE_MS = 25 (the default), 40, 100 and 0 (no coalescing), with
  the database writes (transactions) and event rows per second it cost. Before issue 14 the
  window was a trailing 100 ms per member: p95 ~103 ms, up to 10 writes/s per member (50/s
  for 5 members);
- how many events per second one page can receive when events are published back to back.

The page asks for batched frames, as the case page does (several events in one frame).

Each figure is measured with the in-memory channel layer, then with Redis (channels-redis)
when one answers at REDIS_URL or redis://127.0.0.1:6379/14. Prints figures; asserts nothing.
Run: `make bench` or `.venv/bin/python -m bench.streaming`.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

from bench.wsclient import Socket, free_port, session_cookie

TOKENS = 300
TOKEN_GAP_S = 0.01  # a fast vendor stream: ~100 tokens a second
MEMBERS = 5
BURST = 2000
# Coalescing windows measured (STREAM_COALESCE_MS); 0 is no coalescing.
WINDOWS_MS = (25, 40, 100, 0)


# --- one measurement run (one channel layer) ------------------------------------------------


def measure(layer: str) -> dict[str, float]:
    from bench._setup import django_on_scratch_db

    django_on_scratch_db(f"streaming-{layer}")

    import daphne.server  # installs the asyncio reactor daphne runs on
    from django.conf import settings
    from django.contrib.auth.models import User
    from twisted.internet import reactor

    from cases import deliberation, leases, streaming
    from cases.deliberation import DeltaCoalescer, persistence
    from consensus_site.asgi import application
    from tests.factories import make_panel

    user = User.objects.create_user("bench", password="x", is_superuser=True)
    cookie = session_cookie(user)
    panel = make_panel("bench", [{"provider": "builtin"}] * 5)

    port = free_port()
    server = daphne.server.Server(
        application=application,
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
        verbosity=0,
    )
    threading.Thread(target=server.run, daemon=True).start()
    server_loop: asyncio.AbstractEventLoop = reactor._asyncioEventloop

    def on_server(coro: Any) -> Any:
        # The in-memory layer lives on daphne's loop: publish from there, as the in-process
        # runner does.
        return asyncio.run_coroutine_threadsafe(coro, server_loop).result()

    owner = "bench:1:stream"
    claims: dict[int, Any] = {}

    def new_deliberation() -> Any:
        # Claimed, so that its live text is written as a run writes it: under the lease,
        # which each write checks (``leases.fence``).
        d = deliberation.create("bench", panel=panel, submitted_by_id=user.pk)
        claims[d.pk] = persistence.start(d.pk, owner).claim
        return d

    writes = {"transactions": 0, "rows": 0}
    real_record = streaming.record

    def counted_record(deliberation_id: int, events: Any) -> Any:
        writes["transactions"] += 1
        writes["rows"] += len(events)
        return real_record(deliberation_id, events)

    streaming.record = counted_record

    async def latency(d: Any) -> tuple[list[float], float]:
        ws = await Socket.open(port, f"/ws/deliberations/{d.pk}/", cookie)
        await ws.send({"resume_from": 0, "batch": True})
        emitted: dict[str, float] = {}

        async def member(index: int) -> None:
            sink = DeltaCoalescer(d.pk, index, 1)
            await asyncio.sleep(index * TOKEN_GAP_S / MEMBERS)  # members out of step
            for i in range(TOKENS):
                token = f"m{index}t{i} "
                emitted[token.strip()] = time.perf_counter()
                await sink.add(token)
                await asyncio.sleep(TOKEN_GAP_S)
            await sink.close()

        async def provider() -> float:
            writes.update(transactions=0, rows=0)
            started = time.perf_counter()
            with leases.running_as(owner, claims[d.pk]):
                await asyncio.gather(*(member(i) for i in range(MEMBERS)))
            return time.perf_counter() - started

        future = asyncio.run_coroutine_threadsafe(provider(), server_loop)
        delays: list[float] = []
        while len(delays) < TOKENS * MEMBERS:
            events = await ws.events()
            now = time.perf_counter()
            for event in events:
                if event["type"] == "member.delta":  # not the run's own start events
                    delays += [now - emitted[t] for t in event["payload"]["text"].split()]
        elapsed = future.result()
        ws.close()
        return delays, elapsed

    async def throughput(d: Any) -> float:
        ws = await Socket.open(port, f"/ws/deliberations/{d.pk}/", cookie)
        await ws.send({"resume_from": 0, "batch": True})

        async def burst() -> None:
            for i in range(BURST):
                await streaming.apublish(
                    d.pk, "member.delta", {"member": 0, "round": 1, "text": f"t{i} "}
                )

        started = time.perf_counter()
        future = asyncio.run_coroutine_threadsafe(burst(), server_loop)
        received = 0
        while received < BURST:
            received += len(await ws.events())
        elapsed = time.perf_counter() - started
        future.result()
        ws.close()
        return BURST / elapsed

    time.sleep(0.5)  # let daphne start listening
    on_server(asyncio.sleep(0))
    figures: dict[str, float] = {}
    for interval in WINDOWS_MS:
        settings.STREAM_COALESCE_MS = interval
        delays, elapsed = asyncio.run(latency(new_deliberation()))
        cut = statistics.quantiles(delays, n=20)
        figures[f"p50_ms_{interval}"] = statistics.median(delays) * 1000
        figures[f"p95_ms_{interval}"] = cut[18] * 1000
        figures[f"writes_s_{interval}"] = writes["transactions"] / elapsed
        figures[f"rows_s_{interval}"] = writes["rows"] / elapsed
    figures["events_per_s"] = asyncio.run(throughput(new_deliberation()))
    reactor.callFromThread(reactor.stop)  # type: ignore[misc]
    return figures


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--layer":
        print(json.dumps(measure(sys.argv[2])))
        return
    layers: list[tuple[str, dict[str, str]]] = [("in-memory", {"REDIS_URL": ""})]
    url = redis_url()
    if url:
        layers.append(("redis", {"REDIS_URL": url}))
    print(
        f"Token delta -> websocket, {MEMBERS} members x {TOKENS} tokens at "
        f"{1 / TOKEN_GAP_S:.0f}/s each; burst of {BURST} events to one page; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    for name, env in layers:
        # One process per layer: settings read REDIS_URL once, at start-up.
        out = subprocess.run(
            [sys.executable, "-m", "bench.streaming", "--layer", name],
            env={**os.environ, **env, "LOG_LEVEL": "WARNING"},
            capture_output=True,
            text=True,
            check=True,
        )
        f = json.loads(out.stdout.strip().splitlines()[-1])
        for interval in WINDOWS_MS:
            print(
                f"  {name:9}  window {interval:3} ms: p50 {f[f'p50_ms_{interval}']:6.1f} ms"
                f"  p95 {f[f'p95_ms_{interval}']:6.1f} ms"
                f"  writes {f[f'writes_s_{interval}']:5.1f}/s"
                f"  rows {f[f'rows_s_{interval}']:6.1f}/s"
            )
        print(f"  {name:9}  {f['events_per_s']:6.0f} events/s to one page")
    if not url:
        print("  redis      skipped: no Redis at REDIS_URL or redis://127.0.0.1:6379/14")


if __name__ == "__main__":
    main()
