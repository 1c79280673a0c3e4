"""Submit latency, as a clinician meets it: the time from pressing Submit to the case page,
and to the first streamed character on that page's websocket, for the first case after a
server start and for later ones. Daphne serves the project in a child process on a free
port (the embedded runner and the offline panel, as `make run` serves them) over a scratch
SQLite database. A cold start has an empty offline model cache (the members train while the
first case waits), a warm start the cache a previous start filled (panels/offline/cache.py).
Prints figures; asserts nothing.
Run: `.venv/bin/python -m bench.submit_latency [--cases N] [--start cold|warm|both]`.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import wsclient
from bench.wsclient import Socket

ROOT = Path(__file__).resolve().parent.parent
CASE_TEXT = (
    "58-year-old with three days of fever, productive cough with green sputum, shortness of "
    "breath and sharp chest pain on breathing in. Crackles at the right lung base."
)
TERMINAL = {"deliberation.finished", "deliberation.failed"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("daphne exited before it listened")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("daphne did not listen within 60 s")


def session_cookie() -> str:
    """A signed-in clinician's session, written to the scratch database."""
    from django.contrib.auth.models import User

    return wsclient.session_cookie(User.objects.get(username="clinician"))


def request(port: int, method: str, path: str, cookie: str, body: str = "") -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie, "Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    location = response.getheader("Location", "")
    set_cookie = response.getheader("Set-Cookie", "")
    connection.close()
    csrf = re.search(r"csrftoken=([^;]+)", set_cookie)
    return response.status, location or text, csrf.group(1) if csrf else ""


async def first_character(port: int, cookie: str, deliberation_id: int, last_seq: int) -> float:
    """Seconds until the first text delta arrives, then waits for the deliberation's end."""
    ws = await Socket.open(port, f"/ws/deliberations/{deliberation_id}/", cookie)
    await ws.send({"resume_from": last_seq})
    first: float | None = None
    while True:
        message = await ws.receive()
        if first is None and message["type"] == "member.delta":
            first = time.monotonic()
        if message["type"] in TERMINAL:
            ws.close()
            return first if first is not None else time.monotonic()


def one_case(port: int, cookie: str) -> tuple[float, float]:
    status, _, csrf = request(port, "GET", "/cases/new/", cookie)
    assert status == 200, (status, _)
    jar = f"{cookie}; csrftoken={csrf}"
    form = urlencode(
        {"csrfmiddlewaretoken": csrf, "text": CASE_TEXT, "age": "58", "sex": "", "panel": "offline"}
    )
    pressed = time.monotonic()
    status, location, _ = request(port, "POST", "/cases/new/", jar, form)
    if status != 302:
        raise RuntimeError(f"submit answered {status}")
    status, page, _ = request(port, "GET", location, jar)
    opened = time.monotonic()
    deliberation_id = int(re.search(r'data-deliberation-id="(\d+)"', page).group(1))  # type: ignore[union-attr]
    last_seq = int(re.search(r'data-last-seq="(\d+)"', page).group(1))  # type: ignore[union-attr]
    streamed = asyncio.run(first_character(port, jar, deliberation_id, last_seq))
    return opened - pressed, max(0.0, streamed - pressed)


def measure(port: int, server: subprocess.Popen[bytes], cookie: str, cases: int) -> None:
    """Time ``cases`` submissions to a daphne that was just started, and print them."""
    started = time.monotonic()
    wait_listening(port, server)
    print(f"  daphne listening after {time.monotonic() - started:.2f} s")  # noqa: T201
    rows = [one_case(port, cookie) for _ in range(cases)]
    print(f"  {'case':<10}{'Submit -> case page':>22}{'Submit -> first character':>28}")  # noqa: T201
    for index, (page, first) in enumerate(rows, start=1):
        label = "first" if index == 1 else f"later {index - 1}"
        print(f"  {label:<10}{page * 1000:>19.0f} ms{first * 1000:>25.0f} ms")  # noqa: T201


def start_daphne(port: int, models: Path) -> subprocess.Popen[bytes]:
    """Daphne on ``port`` with the offline members' model cache in ``models``."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OFFLINE_MODEL_CACHE": str(models)}
    command = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen(
        [sys.executable, *command, "consensus_site.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=4, help="cases after each start (>= 2)")
    parser.add_argument(
        "--start",
        choices=("cold", "warm", "both"),
        default="both",
        help="cold: an empty model cache (the members train); warm: the cache a previous "
        "start filled; both (default): a cold start, then a warm one",
    )
    arguments = parser.parse_args()
    cases = max(2, arguments.cases)

    from bench._setup import django_on_scratch_db

    django_on_scratch_db("submit-latency")
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    cookie = session_cookie()
    models = ROOT / "var" / "bench" / "offline-models"
    starts = ("cold", "warm") if arguments.start == "both" else (arguments.start,)
    for start in starts:
        if start == "cold":
            shutil.rmtree(models, ignore_errors=True)
        elif not any(models.glob("*.pickle")):
            raise SystemExit(f"No cached models in {models}: run a cold start first.")
        print(f"{start} start (model cache {models}):")  # noqa: T201
        port = free_port()
        server = start_daphne(port, models)
        try:
            measure(port, server, cookie, cases)
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
