"""The ICD-10-CM code set, loaded once per process on first use.

The codes come from ``simple_icd_10_cm``, which parses its 10 MB XML file when imported (3-4 s
on an idle core, 6-8 s on a busy one): every process that looked at a code (each command,
worker, server and test process) paid that. What the product asks of a code (is it an item,
a category or subcategory, a leaf; its description and ancestors) is kept in a small table,
built from the package on first use and stored as JSON in the configured folder, named by the
package's version; later processes read it in a fraction of a second. A table that cannot be
read is rebuilt. The answers are the package's own (a test compares every code).

Pure module: no Django, nothing of the project, so both the pure protocol (``cases.protocol``:
proposals' codes) and the offline knowledge base (its conditions' codes) use this one loader;
``panels.apps`` calls :func:`configure`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

FORMAT = 1  # bump when the table's layout changes
MAX_DEPTH = 8  # chapter, block, category and up to four more characters
PACKAGE = "simple-icd-10-cm"

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()
_folder: Path | None = None


def configure(folder: Path | str | None) -> None:
    """Store and read the table in ``folder`` (created on first write); None keeps it in
    memory only, so each process builds it from the package."""
    global _folder
    _folder = Path(folder) if folder is not None else None


def folder() -> Path | None:
    """The configured folder, or None when the table is kept in memory only."""
    return _folder


# One item: its dotted name, description, whether it is a category or subcategory, whether
# it is a leaf, and its parent's name; for a category whose block has its name ("I10", the
# block "I10"), that name and then the block's parent, as the package lists its ancestors.
type Row = tuple[str, str, bool, bool, list[str]]


class CodeSet:
    """Every item of ICD-10-CM (chapters such as "10", blocks such as "J09-J18", categories
    and codes), by its dotted name; lookups take a code with or without its dot."""

    def __init__(self, rows: list[Row]) -> None:
        self._items = {row[0]: row for row in rows}

    def _name(self, code: str) -> str | None:
        if code in self._items:
            return code
        dotted = f"{code[:3]}.{code[3:]}"
        return dotted if len(code) >= 4 and dotted in self._items else None

    def _item(self, code: str) -> Row:
        name = self._name(code)
        if name is None:
            raise ValueError(f'The code "{code}" does not exist.')
        return self._items[name]

    def is_valid_item(self, code: str) -> bool:
        return self._name(code) is not None

    def is_category_or_subcategory(self, code: str) -> bool:
        name = self._name(code)
        return name is not None and self._items[name][2]

    def add_dot(self, code: str) -> str:
        return self._item(code)[0]

    def get_description(self, code: str) -> str:
        return self._item(code)[1]

    def is_leaf(self, code: str) -> bool:
        return self._item(code)[3]

    def get_ancestors(self, code: str) -> list[str]:
        """Nearest first: category, block, chapter."""
        result: list[str] = []
        parents = self._item(code)[4]
        for _ in range(MAX_DEPTH):  # bounded: a damaged table must not loop forever
            if not parents:
                break
            result.extend(parents)
            parents = self._items[parents[-1]][4]
        return result


@lru_cache(maxsize=1)
def code_set() -> CodeSet:
    """The code set: read from the stored table, or built from the package (and stored).
    Loaded once, under a lock: members and deliberations look codes up from several threads
    at once."""
    with _LOCK:
        path = _table_path()
        rows = _read(path) if path is not None else None
        if rows is None:
            rows = _build()
            if path is not None:
                _write(path, rows)
        return CodeSet(rows)


def _build() -> list[Row]:
    import simple_icd_10_cm as icd  # parses the whole XML file: seconds

    rows: list[Row] = []
    for name in dict.fromkeys(icd.get_all_codes(True)):
        ancestors = icd.get_ancestors(name)
        parents = ancestors[:2] if ancestors and ancestors[0] == name else ancestors[:1]
        rows.append(
            (
                name,
                icd.get_description(name),
                icd.is_category_or_subcategory(name),
                icd.is_leaf(name),
                parents,
            )
        )
    return rows


def _table_path() -> Path | None:
    if _folder is None:
        return None
    return _folder / f"icd10cm-{metadata.version(PACKAGE)}-{FORMAT}.json"


def _read(path: Path) -> list[Row] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows] or None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
        logger.warning("ICD-10-CM table %s unreadable (%s); rebuilding it", path, exc)
        return None


def _write(path: Path, rows: list[Row]) -> None:
    # Atomic: a temporary file in the same folder, then os.replace; a process that reads
    # meanwhile sees the old file or none.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".icd10-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(rows, out, separators=(",", ":"))
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError as exc:  # a read-only folder: every process builds it, as before
        logger.warning("ICD-10-CM table not stored in %s: %s", path.parent, exc)
