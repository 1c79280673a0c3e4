"""Daphne's resident memory while an unauthenticated client POSTs a large body.

    .venv/bin/python -m bench.body_limit [--mb 300] [--port 8105]

Starts daphne on the app (its own process group), streams the body from one reused buffer,
and samples the server's RSS (VmRSS) before, during and after."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int) -> float:
    total = 0
    for child in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("daphne did not start")


def send_body(port: int, mb: int) -> str:
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(
        (
            f"POST /api/cases HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {mb * 1024 * 1024}\r\n\r\n"
        ).encode()
    )
    chunk = b"x" * (1024 * 1024)
    try:
        for _ in range(mb):
            conn.sendall(chunk)
    except OSError as exc:  # the server refused and closed the connection
        sent = f"connection closed while sending ({exc.__class__.__name__})"
    else:
        sent = "whole body sent"
    conn.settimeout(30)
    try:
        answer = conn.recv(300).split(b"\r\n", 1)[0].decode()
    except OSError:
        answer = "no answer"
    conn.close()
    return f"{sent}; answer: {answer or 'none'}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--port", type=int, default=8105)
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "consensus_site.settings", "LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(args.port),
         "consensus_site.asgi:application"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(args.port)
        time.sleep(1)
        before = rss_mb(server.pid)
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb(server.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        outcome = send_body(args.port, args.mb)
        time.sleep(2)
        done.set()
        sampler.join()
        after = rss_mb(server.pid)
        print(f"{args.mb} MB unauthenticated POST /api/cases: {outcome}")
        print(f"daphne RSS before {before:.0f} MB, peak {peak:.0f} MB, after {after:.0f} MB")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
