"""Signs stated as numbers or places: vital signs (fever and breathlessness from T, RR and
SpO2; HR and BP read and shown, not weighed) and exposures (travel to a DDXPlus travel
region, contact with a haemorrhagic fever). Pure module, used by :mod:`panels.offline.extraction`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from panels.offline.notes import TRAVEL_CUES, TRAVEL_REGIONS


@dataclass
class Match:
    """A phrase read from a text: its finding tokens, its offsets, what kind it is."""

    tokens: frozenset[str]
    start: int
    end: int
    kind: str = "finding"  # or "unweighed", "investigation", "family-word"
    phrase: str = ""


_VITALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "temperature",
        re.compile(
            r"(?i)\b(?:t|temp|temperature|tmax|febrile to|pyrexial to)\s*[:=]?\s*(?:of |was |is )?"
            r"(\d{2,3}(?:\.\d+)?)\s*(?:°|º|deg(?:rees)?)?\s*([cf])?(?!\d|\.\d)"
        ),
    ),
    (
        "heart rate",
        re.compile(
            r"(?i)\b(?:hr|heart rate|pulse(?: rate)?)\s*[:=]?\s*(?:of |was |is )?(\d{2,3})\b"
            r"|\b(\d{2,3})\s?bpm\b"
        ),
    ),
    (
        "respiratory rate",
        re.compile(
            r"(?i)\b(?:rr|resp(?:iratory)? rate|resps)\s*[:=]?\s*(?:of |was |is )?(\d{1,2})\b"
        ),
    ),
    (
        "oxygen saturation",
        re.compile(
            r"(?i)\b(?:spo2|sao2|o2 sats?|sats?|saturations?|oxygen saturation|saturating"
            # A patient's own meter: "the oxygen meter says 88", "oxygen level 91".
            r"|oxygen levels?|(?:home )?oxygen (?:meter|monitor|reading)|pulse ox(?:imeter)?)"
            r"\s*[:=]?\s*(?:of |was |is |says |reads |read |showed |shows )?"
            # "sats fell from 99% to 72%", "SpO2 dropped to 78%": the value it fell to.
            r"(?:(?:fell|dropped|dropping|falling|fallen|dipped|down)\s+(?:from\s+\d{2,3}\s*%?\s+)?"
            r"to\s+)?(\d{2,3})\s*%?"
        ),
    ),
    (
        "blood pressure",
        re.compile(
            r"(?i)\b(?:bp|blood pressure)\s*[:=]?\s*(?:of |was |is )?(\d{2,3})\s*/\s*(\d{2,3})"
        ),
    ),
)


# A place inside another's name is not that place: Papua New Guinea is no West Africa, New
# Mexico no Central America, and a guinea pig no travel at all.
_TRAVEL = re.compile(
    r"(?i)\b(?:"
    + "|".join(re.escape(c) for c in TRAVEL_CUES)
    + r")\b[^.;\n]{0,40}?(?<!new )\b("
    + "|".join(re.escape(p) for places in TRAVEL_REGIONS.values() for p in places)
    + r")\b(?! pigs?\b)"
)
_REGION_OF = {p: v for v, places in TRAVEL_REGIONS.items() for p in places}
# Contact with a case of a viral haemorrhagic fever (DDXPlus E_73: contact with Ebola).
_EBOLA_CONTACT = re.compile(
    r"(?i)\b(?:contact|funeral|cared for|caring for|nursed|nursing|wash\w*|touch\w*|burial)\b"
    r"[^.;\n]{0,80}"
    r"\b(?:ebola|haemorrhagic fever|hemorrhagic fever|bleeding illness|febrile bleeding)"
    # Working where such cases are treated is contact too ("nurse in an Ebola treatment
    # centre", "worked in an outbreak treatment centre").
    r"|\b(?:ebola|haemorrhagic fever|hemorrhagic fever|outbreak) (?:treatment |isolation )?"
    r"(?:cent(?:re|er)|unit|ward|clinic)s?\b"
    # ... and so is working in a treatment centre, or in a clinic, during an outbreak, in
    # either order ("volunteered at a treatment centre during the outbreak", "from an
    # outbreak area, where she worked in a clinic").
    r"|\b(?:ebola|outbreak)\b[^.;\n]{0,100}?\b(?:treatment|isolation|holding) (?:cent(?:re|er)"
    r"|unit|ward)s?\b"
    r"|\b(?:treatment|isolation|holding) (?:cent(?:re|er)|unit|ward)s?\b[^.;\n]{0,100}?"
    r"\b(?:ebola|outbreak)\b"
    r"|\boutbreak\b[^.;\n]{0,100}?\b(?:worked|works|working|volunteer\w*|nursed|nursing)\b"
    r"[^.;\n]{0,30}?\b(?:clinic|hospital|ward)s?\b"
)


def exposures(text: str) -> list[Match]:
    """Travel to (or origin in) a DDXPlus travel region, and contact with a haemorrhagic
    fever, in ``text`` (offsets into ``text``; a travel's are its place's, so that the
    context reader judges the place without swallowing the words before it)."""
    found = [
        Match(frozenset({f"E_204_@_{_REGION_OF[m.group(1).casefold()]}"}), m.start(1), m.end(1))
        for m in _TRAVEL.finditer(text)
    ]
    found += [
        Match(frozenset({"E_73"}), m.start(), m.end())
        for m in _EBOLA_CONTACT.finditer(text)
        if not _of_another_outbreak(m.group(0), text)
    ]
    return found


# An outbreak the text names as another infection's: work during it is no contact with a
# haemorrhagic fever ("a norovirus outbreak on the ward where she works").
_OTHER_OUTBREAK = re.compile(
    r"(?i)\b(?:norovirus|covid\w*|coronavirus|sars-cov-2|influenza|flu|measles|cholera|mumps"
    r"|chickenpox|varicella|pertussis|whooping cough|tuberculosis|tb|salmonella|legionell\w*"
    r"|meningococc\w*|hepatitis|scabies|gastroenteritis|diarrho?eal|d&v|vomiting)\b"
    r"(?: bug| virus| illness)?[- ]outbreaks?\b|\boutbreaks? of (?:norovirus|covid\w*|influenza"
    r"|flu|measles|cholera|mumps|chickenpox|pertussis|whooping cough|tuberculosis|tb|d&v"
    r"|diarrho?ea|vomiting|gastroenteritis|scabies|hepatitis)\b"
)
_HAEMORRHAGIC = re.compile(r"(?i)\b(?:ebola|haemorrhagic|hemorrhagic|marburg|lassa|bleeding)\b")


def _of_another_outbreak(matched: str, text: str) -> bool:
    """Whether a contact read from an outbreak alone (``matched`` names no haemorrhagic
    fever) is another infection's outbreak that ``text`` names."""
    return not _HAEMORRHAGIC.search(matched) and bool(_OTHER_OUTBREAK.search(text))


def vitals(text: str) -> tuple[list[Match], list[str], str]:
    """Vital signs in ``text``: findings for the abnormal ones (fever,
    breathlessness), negated fever for a normal temperature, the vitals in words, and the text
    with them blanked (same length, so offsets hold)."""
    matches: list[Match] = []
    words: list[str] = []
    for name, pattern in _VITALS:
        for m in pattern.finditer(text):
            number = float(next(g for g in m.groups() if g is not None))
            quoted = m.group().strip()
            verdict = _vital_finding(name, number, m)
            if verdict is None:
                continue
            token, label = verdict
            words.append(f"{label} (from '{quoted}')")
            if token:
                matches.append(
                    Match(
                        frozenset({token.lstrip("-")}),
                        m.start(),
                        m.end(),
                        "absent" if token.startswith("-") else "finding",
                        label,
                    )
                )
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return matches, words, text


def _vital_finding(name: str, value: float, m: re.Match[str]) -> tuple[str, str] | None:
    """(token, words) for one vital sign; a leading "-" marks a finding stated absent; None
    when the number cannot be that vital sign."""
    if name == "temperature":
        fahrenheit = (m.group(2) or "").lower() == "f" or value > 45
        if not (93 <= value <= 110 if fahrenheit else 34 <= value <= 43):
            return None
        fever = value >= (100.4 if fahrenheit else 38.0)
        return ("E_91", "fever") if fever else ("-E_91", "no fever")
    if name == "heart rate":
        if not 30 <= value <= 250:
            return None
        # A fast pulse is shown, not weighed: DDXPlus has no tachycardia finding, and its
        # nearest one, palpitations, is what a patient feels (reading HR 118 as palpitations
        # sent pneumonias and embolisms to pericarditis on the development notes).
        return ("", "tachycardia") if value > 100 else ("", "heart rate normal")
    if name == "respiratory rate":
        if not 5 <= value <= 70:
            return None
        return ("E_66", "tachypnoea") if value > 20 else ("", "respiratory rate normal")
    if name == "oxygen saturation":
        if not 50 <= value <= 100:
            return None
        return ("E_66", "hypoxaemia") if value < 94 else ("", "oxygen saturation normal")
    systolic = value
    return ("", "hypotension") if systolic < 90 else ("", "blood pressure read")
