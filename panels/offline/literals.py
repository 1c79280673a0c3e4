"""A fast exact pre-check for the many reading patterns run on every text (shorthand,
phrasings, decisive signs): the words a pattern cannot match without. Most patterns match
nothing in a given text, and an ``in`` test of a plain string is tens of times cheaper than a
regex scan of the whole text, so a pattern runs only on a text that holds one of the strings
each of its matches must contain. The check never rejects a text that the pattern matches:
it compares case-folded strings (a case-sensitive match is also a case-insensitive one) and
counts only ASCII literals, for which ``fold`` maps the four other characters that ``re``
matches to ASCII letters without case. Pure: no Django.
"""

from __future__ import annotations

import re
import re._constants as sre  # type: ignore[import-not-found]  # re's own parser (no stubs)
import re._parser as sre_parse  # type: ignore[import-not-found]
from dataclasses import dataclass
from typing import Any

# The non-ASCII characters that ``re.IGNORECASE`` matches to an ASCII letter (found by
# trying every code point against every letter; Python 3.12 and 3.13 agree).
_ASCII_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def fold(text: str) -> str:
    """``text`` as the pre-check compares it: lower-cased, with ``_ASCII_FOLDS`` applied."""
    return text.translate(_ASCII_FOLDS).lower()


@dataclass(frozen=True)
class Checked:
    """A compiled pattern with ``needs``: strings (folded) of which every match holds at
    least one, or None when no such strings could be told from the pattern."""

    pattern: re.Pattern[str]
    needs: frozenset[str] | None

    def may_match(self, folded: str) -> bool:
        """False only when ``pattern`` cannot match the text whose ``fold`` is ``folded``."""
        return self.needs is None or any(s in folded for s in self.needs)


def checked(pattern: re.Pattern[str]) -> Checked:
    """``pattern`` with the strings its matches need (None when its source cannot be read)."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except (re.error, TypeError, ValueError):  # pragma: no cover - compiled patterns parse
        return Checked(pattern, None)
    return Checked(pattern, _sequence(list(parsed)))


def _sequence(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The best alternative set among a sequence's literal runs and mandatory items."""
    options: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre.LITERAL and chr(av).isascii():
            run += chr(av).lower()
            continue
        if run:
            options.append(frozenset({run}))
        run = ""
        needed = _item(op, av)
        if needed is not None:
            options.append(needed)
    if run:
        options.append(frozenset({run}))
    if not options:
        return None
    # The set whose shortest string is longest: the rarest in a text, the surest pre-check.
    return max(options, key=lambda strings: (min(map(len, strings)), -len(strings)))


def _item(op: Any, av: Any) -> frozenset[str] | None:
    if op is sre.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in _REPEATS and av[0] >= 1:
        return _sequence(list(av[2]))
    if op is sre.BRANCH:
        branches = [_sequence(list(branch)) for branch in av[1]]
        if any(b is None for b in branches):
            return None
        return frozenset().union(*(b for b in branches if b is not None))
    return None  # classes, anchors, lookarounds, optional parts: nothing they must contain
