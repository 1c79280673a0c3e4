"""Render a DDXPlus patient row, or one finding, as the plain English a clinician could write.

Pure module; :mod:`panels.offline.extraction` reads these sentences back exactly.
"""

from __future__ import annotations

from panels.offline.knowledge import (
    NUMERIC_LABELS,
    QUESTIONNAIRE_COMPLETE,
    KnowledgeBase,
    PatientRow,
    load,
    parse_token,
    value_text,
)
from panels.offline.vocabulary import PHRASES

_VALUE_WORDS = {
    "E_54": "pain described as {}",
    "E_55": "pain in the {}",
    "E_57": "pain radiating to the {}",
    "E_133": "rash on the {}",
    "E_130": "rash colour {}",
    "E_152": "swelling of the {}",
    "E_204": "travel to {} in the last 4 weeks",
}


def finding_text(token: str, *, kb: KnowledgeBase) -> str:
    """One finding token in words ("fever", "pain in the right ear", "pain intensity 7/10")."""
    code, value = parse_token(token)
    if token in PHRASES:
        return PHRASES[token]
    if value is None:
        return kb.evidences[code].question
    if code in NUMERIC_LABELS:
        return f"{NUMERIC_LABELS[code]} {value}/10"
    return _VALUE_WORDS.get(code, "{}").format(value_text(kb.evidences[code], value))


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _person(age: int, sex: str) -> str:
    woman = sex.upper() == "F"
    if age < 1:
        return "Infant under 1 year old, " + ("girl" if woman else "boy")
    if age < 18:
        return f"{age}-year-old " + ("girl" if woman else "boy")
    return f"{age}-year-old " + ("woman" if woman else "man")


def render_patient(row: PatientRow) -> str:
    """``row`` as the plain clinical English a clinician could have written.

    Deterministic: age and sex, the presenting complaint, symptoms, pain (character,
    location, radiation, "pain intensity 7/10" and the other 0-10 scales), skin, swelling,
    history and travel, each in its own sentence, then ``QUESTIONNAIRE_COMPLETE``: a row is
    a full questionnaire. Default, "N" and "NA" values are left out and no evidence code
    appears. Raises :class:`KnowledgeBaseMissing` if the row's folder
    is gone.
    """
    kb = load(row.source)
    symptoms: list[str] = []
    history: list[str] = []
    listed: dict[str, list[str]] = {}
    scales: dict[str, str] = {}
    for token in row.evidences:
        code, value = parse_token(token)
        evidence = kb.evidences[code]
        if value is None or token in PHRASES:
            if token in PHRASES and token != row.initial:
                (history if evidence.is_antecedent else symptoms).append(PHRASES[token])
        elif value == evidence.default or evidence.values.get(value) in ("N", "NA", "Y"):
            continue
        elif code in NUMERIC_LABELS:
            scales[code] = f"{NUMERIC_LABELS[code]} {value}/10"
        else:
            listed.setdefault(code, []).append(value_text(evidence, value))
    sentences = [_person(row.age, row.sex)]
    if row.initial in PHRASES:
        sentences.append(f"Presenting complaint: {PHRASES[row.initial]}")
    if symptoms:
        sentences.append("Symptoms: " + "; ".join(symptoms))
    templates = {
        "E_54": "Pain described as {}",
        "E_55": "Pain located in the {}",
        "E_57": "Pain radiating to the {}",
        "E_133": "Rash located on the {}",
        "E_130": "Rash colour {}",
        "E_152": "Swelling located in the {}",
    }
    for code, template in templates.items():
        if code in listed:
            sentences.append(template.format(_join(listed[code])))
    pain = [scales[c] for c in ("E_56", "E_58", "E_59") if c in scales]
    if pain:
        sentences.append(", ".join(pain) + (" (10 = sudden)" if "E_59" in scales else ""))
    rash = [scales[c] for c in ("E_134", "E_132", "E_136") if c in scales]
    if rash:
        sentences.append(", ".join(rash))
    if history:
        sentences.append("History: " + "; ".join(history))
    if "E_204" in listed:
        sentences.append(f"Travelled to {_join(listed['E_204'])} in the last 4 weeks")
    return ". ".join(s[0].upper() + s[1:] for s in sentences) + ". " + QUESTIONNAIRE_COMPLETE
