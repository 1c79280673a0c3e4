"""A member's output as a reader sees it while it is written: the words before its JSON,
each answer field once complete, and the reasoning as far as it has arrived. Pure."""

from __future__ import annotations

import re

_FENCE_OPEN = re.compile(r"`{1,3}[a-zA-Z]*\s*$")
_FIELD = re.compile(r'"(diagnosis|icd10|confidence|abstain|vote|reasoning)"\s*:\s*')
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?|true|false|null")
_FIELD_LABELS = {
    "diagnosis": "Diagnosis: {}",
    "icd10": "ICD-10-CM: {}",
    "confidence": "Confidence: {}%",
    "abstain": "Abstains: {}",
    "vote": "Votes for proposal {}",
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "", '"': '"', "\\": "\\", "/": "/", "b": "", "f": ""}


def _string_prefix(text: str) -> tuple[str, int | None]:
    """Decode a JSON string body up to its closing quote or the end of ``text`` (an
    unfinished escape at the end is left out until the rest arrives). Returns the text and
    the index just past the closing quote, or None while the string is still open."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(text):
            break
        code = text[i + 1]
        if code == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) < 4:
                break
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                out.append(digits)
            i += 6
            continue
        out.append(_ESCAPES.get(code, code))
        i += 2
    return "".join(out), None


def _value(text: str) -> tuple[str, int | None]:
    """The JSON value at the start of ``text``: (its words, where it ends or None)."""
    if text.startswith('"'):
        value, end = _string_prefix(text[1:])
        return value, None if end is None else end + 1
    found = _SCALAR.match(text)
    if found is None or found.end() == len(text):
        return "", None  # a number may still be growing
    return found.group(0), found.end()


def prose(raw: str) -> str:
    """What a reader sees of a member's output as it is written: any words before the JSON,
    each answer field once it is complete ("Diagnosis: Pneumonia"), and the ``reasoning`` as
    far as it has arrived. Never the JSON itself. As ``raw`` grows, the result only grows
    (fields arrive in order), so a page can append the difference."""
    start = raw.find("{")
    before = raw if start < 0 else raw[:start]
    before = _FENCE_OPEN.sub("", before.replace("```json", "").replace("```", "")).strip()
    parts = [before] if before else []
    pos = start
    while start >= 0:
        found = _FIELD.search(raw, pos)
        if found is None:
            break
        key = found.group(1)
        value, end = _value(raw[found.end() :])
        if key == "reasoning":
            parts.append(value)
        elif end is not None and value not in ("", "null"):
            parts.append(_FIELD_LABELS[key].format(value))
        if end is None:
            break
        pos = found.end() + end
    return "\n".join(part for part in parts if part)
