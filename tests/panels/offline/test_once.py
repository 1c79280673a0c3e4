"""The members' shared memo: five members reading one case at once read it once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from panels.offline import extraction, knowledge
from panels.offline.once import once_per_key


def test_callers_of_one_key_at_the_same_time_compute_it_once():
    calls: list[str] = []
    start = threading.Barrier(5)

    @once_per_key(maxsize=8)
    def slow_reading(text: str) -> str:
        calls.append(text)
        time.sleep(0.05)  # long enough for every other thread to arrive while it works
        return text.upper()

    def ask(text: str) -> str:
        start.wait()
        return slow_reading(text)

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(ask, ["fever"] * 5))
    assert answers == ["FEVER"] * 5
    assert calls == ["fever"]
    assert slow_reading("cough") == "COUGH" and calls == ["fever", "cough"]


def test_an_error_is_raised_to_every_caller_and_not_cached():
    attempts: list[int] = []

    @once_per_key(maxsize=8)
    def failing(n: int) -> int:
        attempts.append(n)
        if len(attempts) == 1:
            raise ValueError("unreadable")
        return n

    try:
        failing(1)
    except ValueError as error:
        assert "unreadable" in str(error)
    assert failing(1) == 1 and attempts == [1, 1]


def test_five_members_reading_one_new_case_at_once_read_it_once(kb: knowledge.KnowledgeBase):
    text = "41F, 3 days of fever and a sore throat, no cough; the tonsils are swollen."
    before = extraction._read.cache_info().misses
    start = threading.Barrier(5)

    def member_reads(_: int) -> frozenset[str]:
        start.wait()
        return extraction.read(text, kb=kb).tokens

    with ThreadPoolExecutor(5) as pool:
        readings = list(pool.map(member_reads, range(5)))
    assert len(set(readings)) == 1 and readings[0]
    assert extraction._read.cache_info().misses == before + 1
