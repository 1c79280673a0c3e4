"""An on-disk cache of the offline members' trained objects (method models and calibrators),
so a server start, a test process or a Celery worker loads them in about a second instead of
training and calibrating for tens of seconds.

A file's name is the sha256 of everything the trained object depends on: the knowledge-base
files, the source files of ``panels/offline``, the versions of Python, NumPy, SciPy and
scikit-learn, and the member's options (what is cached, method, seed, held-out rows, view).
A change to any of them names another file, so a stale model is never loaded. Files are
written atomically (a temporary file, then ``os.replace``); a file that cannot be read or
unpickled, or holds an object of the wrong type, is ignored and rebuilt.

The knowledge base itself is never stored: the pickles refer to it, and to its conditions,
evidences and rows, by name (pickle persistent ids), and loading resolves those names against
the knowledge base already loaded, so identity and ``lru_cache`` keys keep working.

Pickle safety: unpickling runs code named by the file. Only the folder configured by the
application (``settings.OFFLINE_MODEL_CACHE``, the project's own ``var/offline-models/`` by
default) is ever read, never a path or file a user supplies; the folder must be writable by
the application alone. Pure module: no Django (``panels.apps`` calls :func:`configure`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy
import scipy
import sklearn

from panels.offline import knowledge

FORMAT = 1  # bump when the file layout (not the cached objects) changes
SOURCE_DIR = Path(__file__).resolve().parent
SUFFIX = ".pickle"

logger = logging.getLogger(__name__)
_folder: Path | None = None


def configure(folder: Path | str | None) -> None:
    """Use ``folder`` for the cache from now on (created on first write); None turns the
    cache off, so every process trains its own members."""
    global _folder
    _folder = Path(folder) if folder is not None else None


def folder() -> Path | None:
    """The configured folder, or None when the cache is off."""
    return _folder


def key(kb: knowledge.KnowledgeBase, **options: object) -> str:
    """The cache key of an object trained on ``kb`` with ``options`` (whose values must have
    a stable ``repr``: numbers, strings, sorted tuples)."""
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT}",
        _versions(),
        _digest(SOURCE_DIR, "*.py"),
        _digest(kb.directory, "*"),
        repr(sorted(options.items())),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def fetch[T](kb: knowledge.KnowledgeBase, name: str, build: Callable[[], T], kind: type[T]) -> T:
    """The object stored under the key ``name`` (from :func:`key`) when the cache holds a
    readable one of type ``kind``; else ``build()``, stored for next time. A cache folder
    that cannot be written only costs the next process the training again."""
    where = _folder
    if where is None:
        return build()
    path = where / f"{name}{SUFFIX}"
    found = _load(path, kb, kind)
    if found is not None:
        return found
    built = build()
    _store(path, kb, built)
    return built


def _load[T](path: Path, kb: knowledge.KnowledgeBase, kind: type[T]) -> T | None:
    try:
        with path.open("rb") as stream:
            found = _Unpickler(stream, kb).load()
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or corrupt pickle can raise almost anything
        logger.warning("ignoring unreadable offline model cache file %s", path, exc_info=True)
        return None
    if not isinstance(found, kind):
        logger.warning("ignoring offline model cache file %s: not a %s", path, kind.__name__)
        return None
    return found


def _store(path: Path, kb: knowledge.KnowledgeBase, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        logger.warning("cannot write the offline model cache in %s", path.parent, exc_info=True)
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            _Pickler(stream, kb).dump(value)
        os.replace(temporary, path)  # readers see the old file or the whole new one
    except Exception:
        logger.warning("cannot write the offline model cache file %s", path, exc_info=True)
        Path(temporary).unlink(missing_ok=True)


def _shared(kb: knowledge.KnowledgeBase) -> Iterator[tuple[object, tuple[str, Any]]]:
    """The knowledge base's own objects, each with the name a pickle refers to it by."""
    yield kb, ("kb", "")
    for name, condition in kb.conditions.items():
        yield condition, ("condition", name)
    for code, evidence in kb.evidences.items():
        yield evidence, ("evidence", code)
    for index, row in enumerate(kb.rows):
        yield row, ("row", index)


class _Pickler(pickle.Pickler):
    def __init__(self, stream: Any, kb: knowledge.KnowledgeBase) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = {id(obj): name for obj, name in _shared(kb)}

    def persistent_id(self, obj: Any) -> tuple[str, Any] | None:
        return self._names.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream: Any, kb: knowledge.KnowledgeBase) -> None:
        super().__init__(stream)
        self._objects = {name: obj for obj, name in _shared(kb)}

    def persistent_load(self, pid: Any) -> object:
        return self._objects[tuple(pid)]


def _versions() -> str:
    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"python {python} numpy {numpy.__version__} scipy {scipy.__version__} " + (
        f"scikit-learn {sklearn.__version__}"
    )


@lru_cache(maxsize=16)
def _digest(directory: Path, pattern: str) -> str:
    """sha256 over the relative names and contents of the files under ``directory`` matching
    ``pattern``; read once per process (a change while running is a redeploy anyway)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob(pattern) if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
