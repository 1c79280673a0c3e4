"""The ICD-10-CM code set (``simple_icd_10_cm``), loaded once per process on first use.

Pure module: no Django, nothing of the project, so both the pure protocol
(``cases.protocol``: proposals' codes) and the offline knowledge base (its conditions' codes)
use this one loader.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from types import ModuleType
from typing import cast

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def code_set() -> ModuleType:
    """The ``simple_icd_10_cm`` module, its code list filled.

    It parses the whole code set when imported (about 2 s, far more on a busy machine), so a
    process that never looks at a code (a command, a worker on other panels, most tests)
    starts without it. It then fills its code list lazily and not thread-safely, while
    members and deliberations look codes up from several threads at once: fill it here, once,
    under one lock."""
    with _LOCK:
        import simple_icd_10_cm

        simple_icd_10_cm.get_index("A00")
        return cast(ModuleType, simple_icd_10_cm)
