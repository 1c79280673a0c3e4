"""Rules every text input obeys, whichever path it comes by (form, API, command line)."""

from __future__ import annotations

import re

CONTROL_CHARACTER = (
    "{subject} contains a control character ({name}, at position {position}); "
    "remove it and submit again."
)
# Tabs and line breaks are text; every other C0/C1 control, DEL, and the Unicode line and
# paragraph separators are not (NUL in particular cannot be stored by PostgreSQL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(text: str, *, subject: str = "The text") -> str | None:
    """The message for the first forbidden control character in ``text`` (``subject`` names
    the input: "The text", "The panel name"), or None. Forms must not let Django's own
    null-character check answer first (see ``cases.forms.RuleCharField``)."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    name = f"U+{ord(char):04X}"
    return CONTROL_CHARACTER.format(subject=subject, name=name, position=found.start() + 1)
