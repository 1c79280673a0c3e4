"""Viewers at scale: how one deliberation's live stream reaches a crowd of pages.

Three kinds of process on 127.0.0.1, as `make run-scaleout` runs them: daphne serving the
project's ASGI application, a publisher standing in for the worker (5 scripted members
streaming ~100 tokens/s each through the DeltaCoalescer, then ``deliberation.finished``) and
this process holding 50, 150, 300 and 500 websocket viewers of that one deliberation. They
share PostgreSQL (a throwaway ``bench_viewers`` database; SQLite when PostgreSQL does not
answer) and the production channel layer (settings.redis_channel_layer: channels-redis pub/sub)
on a redis-server of the benchmark's own (another port, stopped through its Popen handle), so
nothing else on the machine's Redis is touched.

Per viewer count it prints: delivery latency p50/p95 from a member emitting a token to a
viewer receiving it (one CLOCK_MONOTONIC for all processes), how many viewers received the
whole stream ending in ``deliberation.finished``, how many transcripts equal the database's
event rows, the websocket frames per viewer, the CPU seconds daphne, this process (the
viewers), the publisher and redis-server used while the stream ran (a process near 1 s per
second of stream is the bottleneck), and the Redis commands run per event. Viewers ask for
batched frames, as the case page does (``--one-event-frames``: one event a frame, as before).
Bounded: each count gives up after RUN_TIMEOUT_S. Prints figures; asserts nothing.
Run: `.venv/bin/python -m bench.viewers [--counts 50,150] [--one-event-frames]`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.wsclient import Socket, clock, free_port, session_cookie

if TYPE_CHECKING:  # the children import Django only once they have set it up
    from cases.streaming import DeliberationFinished, DeliberationStarted

COUNTS = (50, 150, 300, 500)
BATCH = "--one-event-frames" not in sys.argv
MEMBERS = 5
TOKENS = 200  # per member: 2 s of streaming at ~100 tokens/s
TOKEN_GAP_S = 0.01
RUN_TIMEOUT_S = 120.0
CONNECT_AT_ONCE = 10
POSTGRES = "postgres://postgres@127.0.0.1:5432/"
DATABASE = "bench_viewers"
FINISHED: DeliberationFinished = {
    "outcome": "no_consensus",
    "reason": "no_supermajority",
    "winner": None,
    "tally": {},
    "q": 3,
    "faults": [],
    "escalation": None,
    "escalation_reason": "",
    "dissent": [],
    "abstentions": 0,
    "tokens": 0,
}


def _django() -> None:
    # Child processes: the database exists and is migrated by the parent.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consensus_site.settings")
    import django

    django.setup()


# --- the two child processes ------------------------------------------------------------------


def serve(port: int) -> None:
    """Run daphne with the project's ASGI application on 127.0.0.1:``port`` until killed."""
    _django()
    import daphne.server

    from consensus_site.asgi import application

    daphne.server.Server(
        application=application,
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=True,
        verbosity=0,
    ).run()


async def _stream(deliberation_id: int, started: DeliberationStarted) -> dict[str, float]:
    from cases import streaming
    from cases.deliberation import DeltaCoalescer

    emitted: dict[str, float] = {}
    await streaming.apublish_many(
        deliberation_id,
        [("deliberation.started", started), ("round.started", streaming.RoundStarted(round=1))],
    )

    async def member(index: int) -> None:
        sink = DeltaCoalescer(deliberation_id, index, 1)
        await asyncio.sleep(index * TOKEN_GAP_S / MEMBERS)  # members out of step
        for i in range(TOKENS):
            token = f"m{index}t{i}"
            emitted[token] = clock()
            await sink.add(token + " ")
            await asyncio.sleep(TOKEN_GAP_S)
        await sink.close()

    await asyncio.gather(*(member(i) for i in range(MEMBERS)))
    await streaming.apublish(deliberation_id, "deliberation.finished", FINISHED)
    return emitted


def publish(deliberation_id: int) -> None:
    """Stream one deliberation as a worker would; print the emit time of every token."""
    _django()
    from cases.models import Deliberation

    snap = Deliberation.objects.get(pk=deliberation_id).snapshot
    started: DeliberationStarted = {
        "panel": snap.name,
        "n": snap.n,
        "q": snap.q,
        "f": snap.f,
        "members": [
            {"index": i, "alias": m.alias, "label": m.alias} for i, m in enumerate(snap.members)
        ],
    }
    print(json.dumps(asyncio.run(_stream(deliberation_id, started))))


# --- the viewers -----------------------------------------------------------------------------


class Viewer:
    def __init__(self) -> None:
        self.transcript: list[tuple[int, Any, Any]] = []
        self.received: dict[str, float] = {}
        self.finished = False
        self.error = ""
        self.frames = 0

    async def watch(self, ws: Socket) -> None:
        try:
            await self._watch(ws)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    async def _watch(self, ws: Socket) -> None:
        while not self.finished:
            events = await ws.events()
            now = clock()
            self.frames += 1
            for message in events:
                self.transcript.append((message["seq"], message["type"], message["payload"]))
                if message["type"] == "member.delta":
                    for token in message["payload"]["text"].split():
                        self.received[token] = now
                self.finished = message["type"] == "deliberation.finished"


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _usage(daphne: int, redis_port: int) -> dict[str, float]:
    """CPU seconds so far of daphne, this process, its reaped children (the publishers) and
    the benchmark's redis-server, and the commands that redis-server has run."""
    import redis

    info = redis.Redis(port=redis_port).info("all")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "daphne": _cpu_of(daphne),
        "viewers": time.process_time(),
        "publisher": children.ru_utime + children.ru_stime,
        "redis": float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
        "commands": float(sum(v["calls"] for k, v in info.items() if k.startswith("cmdstat_"))),
    }


async def crowd(
    port: int, cookie: str, deliberation_id: int, count: int, usage: Callable[[], dict[str, float]]
) -> dict[str, Any]:
    path = f"/ws/deliberations/{deliberation_id}/"
    sockets: list[Socket] = []
    viewers: list[Viewer] = []
    watching: list[asyncio.Task[None]] = []
    publisher: asyncio.subprocess.Process | None = None
    try:
        for start in range(0, count, CONNECT_AT_ONCE):
            at_once = range(min(CONNECT_AT_ONCE, count - start))
            opened = await asyncio.gather(*(Socket.open(port, path, cookie) for _ in at_once))
            for ws in opened:
                await ws.send({"resume_from": 0, "batch": BATCH})
                # Read (and answer daphne's pings) at once: daphne drops a socket whose pong is
                # 30 s late, and connecting hundreds takes longer than that on a busy machine.
                viewers.append(Viewer())
                watching.append(asyncio.create_task(viewers[-1].watch(ws)))
            sockets += opened
        before = usage()  # the stream's costs, not the connections'
        publisher = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.viewers",
            "--publish",
            str(deliberation_id),
            stdout=asyncio.subprocess.PIPE,
        )
        started = clock()
        out, _ = await asyncio.wait_for(publisher.communicate(), timeout=RUN_TIMEOUT_S)
        await asyncio.wait(watching, timeout=max(1.0, RUN_TIMEOUT_S - (clock() - started)))
    finally:
        if publisher is not None and publisher.returncode is None:
            publisher.kill()
            await publisher.wait()
        for task in watching:
            task.cancel()
        for ws in sockets:
            ws.close()
    after = usage()
    emitted: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return {
        "emitted": emitted,
        "viewers": viewers,
        "seconds": clock() - started,
        "used": {k: after[k] - before[k] for k in after},
    }


def report(count: int, run: dict[str, Any], stored: list[tuple[int, Any, Any]]) -> str:
    emitted: dict[str, float] = run["emitted"]
    viewers: list[Viewer] = run["viewers"]
    delays = [(at - emitted[token]) * 1000 for v in viewers for token, at in v.received.items()]
    cut = statistics.quantiles(delays, n=20) if len(delays) > 1 else [float("nan")] * 19
    complete = sum(v.finished and len(v.received) == len(emitted) for v in viewers)
    identical = sum(v.transcript == stored for v in viewers)
    frames = statistics.mean(v.frames for v in viewers) if viewers else 0.0
    load = os.getloadavg()[0]
    used = run["used"]
    cpu = "  ".join(f"{k} {used[k]:.1f}" for k in ("daphne", "viewers", "publisher", "redis"))
    errors = collections.Counter(v.error for v in viewers if v.error)
    lost = "".join(f"\n        {n} viewers: {error}" for error, n in errors.most_common())
    return (
        f"  {count:4} viewers: p50 {statistics.median(delays):7.1f} ms  p95 {cut[18]:7.1f} ms"
        f"  complete {complete:4}/{count}  identical to the database {identical:4}/{count}"
        f"  {frames:.0f} frames/viewer for {len(stored)} events"
        f"  ({run['seconds']:.1f} s, load {load:.2f})"
        f"\n        CPU s during the stream: {cpu};"
        f" redis commands per event {used['commands'] / max(1, len(stored)):.1f}{lost}"
    )


# --- set-up -------------------------------------------------------------------------------------


def _wait_for_port(port: int, *, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:g} s")


@contextlib.contextmanager
def child(args: list[str], *, port: int, what: str) -> Iterator[subprocess.Popen[bytes]]:
    """A child process stopped through its own handle, whatever happens."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        _wait_for_port(port, what=what)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database() -> str:
    if os.environ.get("DATABASE_URL"):
        return "as DATABASE_URL says"
    try:
        import psycopg

        with psycopg.connect(POSTGRES + "postgres", autocommit=True, connect_timeout=2) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
    except Exception:
        return "SQLite (no PostgreSQL at 127.0.0.1:5432)"
    os.environ["DATABASE_URL"] = POSTGRES + DATABASE
    return f"PostgreSQL {DATABASE}"


def main(counts: tuple[int, ...]) -> None:
    from bench._setup import django_on_scratch_db

    database = _database()
    redis_port = free_port()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["LOG_LEVEL"] = "WARNING"
    # Scale-out mode, with no worker: nothing but the publisher runs the deliberation (the
    # embedded mode's sweeper would run it with the offline panel, which daphne would first
    # spend a minute training).
    os.environ["DELIBERATION_RUNNER"] = "celery"
    redis_args = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
    with child(redis_args, port=redis_port, what="redis-server"):
        django_on_scratch_db("viewers")
        from django.conf import settings
        from django.contrib.auth.models import User

        from cases import deliberation, streaming
        from tests.factories import make_panel

        user = User.objects.create_user("bench", password="x", is_superuser=True)
        cookie = session_cookie(user)
        panel = make_panel("bench", [{"provider": "builtin"}] * MEMBERS)
        port = free_port()
        print(
            f"One deliberation, {MEMBERS} members x {TOKENS} tokens at {1 / TOKEN_GAP_S:.0f}/s "
            f"each, to N viewers: daphne + {settings.CHANNEL_LAYERS['default']['BACKEND']} "
            f"(own redis-server), {database}, "
            f"window {os.environ.get('STREAM_COALESCE_MS', '25')} ms, "
            f"{'batched frames' if BATCH else 'one event a frame'}"
        )
        serve_args = [sys.executable, "-m", "bench.viewers", "--serve", str(port)]
        with child(serve_args, port=port, what="daphne") as daphne:
            for count in counts:
                d = deliberation.create("bench", panel=panel, submitted_by_id=user.pk)
                usage = functools.partial(_usage, daphne.pid, redis_port)
                run = asyncio.run(crowd(port, cookie, d.pk, count, usage))
                stored = [
                    (e["seq"], e["type"], e["payload"]) for e in streaming.events_after(d.pk, 0)
                ]
                print(report(count, run, stored), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--publish":
        publish(int(sys.argv[2]))
    else:
        chosen: tuple[int, ...] = COUNTS
        if len(sys.argv) >= 3 and sys.argv[1] == "--counts":
            chosen = tuple(int(c) for c in sys.argv[2].split(","))
        main(chosen)
