"""Processes for the scale-out fault tests and benches: a Redis server of their own (on a free
port in 6391-6399, never the machine's shared one) and real Celery workers on the test
database, each in its own process group so a test can kill -9 the whole worker.

Every process is stopped through the handle that started it (``Popen`` / ``os.killpg`` on the
group it created); every wait is bounded in count and time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(6391, 6400)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 6391-6399 for a Redis of the test's own")


class RedisServer:
    """A redis-server on 127.0.0.1:``port``, without persistence (a restart loses its data,
    as a crashed Redis without AOF does)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def database_url() -> str:
    """The test database as a DATABASE_URL another process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery worker -B` (with the sweeper's beat) on the test database and ``redis_url``,
    with the scripted provider registered and short leases, in a process group of its own."""

    def __init__(self, redis_url: str, **env: str) -> None:
        self.redis_url = redis_url
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="cdx-worker-"))
        self.log = self.dir / "worker.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis_url,
            "DELIBERATION_RUNNER": "celery",
            "DELIBERATION_LEASE_S": "3",
            "DELIBERATION_SWEEP_S": "1",
            "DELIBERATION_REQUEUE_S": "6",
            "LOG_LEVEL": "WARNING",
            **self.env,
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "consensus_site", "worker", "-B"]
                + ["-s", str(self.dir / "beat"), "-I", "tests.fakes.scripted"]
                + ["--concurrency", "2", "-l", "warning", "--without-mingle"]
                + ["--without-gossip", "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill_group(self) -> None:
        """kill -9 of the worker's whole process group (parent, pool children, beat)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def wait_until(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy (returned), at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / every) + 1):
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            break
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def forget_broker_connections(celery_app: Any) -> None:
    """Drop the Celery app's producer pool before and after a test changes its broker URL.
    The pool keeps connections to the broker it was made for, so a later test in the same
    process would publish to a Redis that is gone; Celery's close() drops the pool only when
    a connection pool exists."""
    celery_app.close()
    celery_app.amqp._producer_pool = None
