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
from typing import Any, cast


class Memo[**P, R]:
    """``function`` behind ``functools.lru_cache(maxsize)``, computed once per key however
    many threads ask for it at the same time; ``cache_info``, ``cache_clear`` and
    ``__wrapped__`` as lru_cache has them."""

    __wrapped__: Callable[P, R]  # set by functools.update_wrapper

    def __init__(self, function: Callable[P, R], maxsize: int) -> None:
        self._memo = functools.lru_cache(maxsize=maxsize)(function)
        self._guard = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        functools.update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (args, tuple(sorted(kwargs.items())))
        with self._guard:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:  # a second caller waits here, then finds the result in the cache
            try:
                return cast(Callable[P, R], self._memo)(*args, **kwargs)
            finally:
                with self._guard:
                    if self._computing.get(key) is lock:
                        del self._computing[key]

    def cache_info(self) -> Any:
        return self._memo.cache_info()

    def cache_clear(self) -> None:
        self._memo.cache_clear()


def once_per_key[**P, R](maxsize: int) -> Callable[[Callable[P, R]], Memo[P, R]]:
    """Decorate a function as a :class:`Memo` of ``maxsize`` entries."""
    return lambda function: Memo(function, maxsize)
