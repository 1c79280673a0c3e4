"""A memo for the functions that the panel's members call at once: the five members answer a
case in five threads, and each reads the same text (``extraction.read``) and asks the same
text classifier about it (``corroboration.reading``). With a bare ``lru_cache`` all five miss
the cache together and do the same work five times; here the first caller of a key computes
it while the others wait for its result. Pure: no Django.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import cast


def once_per_key[**P, R](maxsize: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``functools.lru_cache(maxsize)`` (positional, hashable arguments), computed once per
    key however many threads ask for it at the same time."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        memo = functools.lru_cache(maxsize=maxsize)(function)
        cached = cast(Callable[P, R], memo)
        guard = threading.Lock()
        computing: dict[Hashable, threading.Lock] = {}

        @functools.wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            key = (args, tuple(sorted(kwargs.items())))
            with guard:
                lock = computing.setdefault(key, threading.Lock())
            with lock:  # a second caller waits here, then finds the result in the cache
                try:
                    return cached(*args, **kwargs)
                finally:
                    with guard:
                        if computing.get(key) is lock:
                            del computing[key]

        call.cache_clear = memo.cache_clear  # type: ignore[attr-defined]
        call.cache_info = memo.cache_info  # type: ignore[attr-defined]
        return call

    return decorate
