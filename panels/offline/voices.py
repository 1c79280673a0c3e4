"""Three more voices for :mod:`panels.offline.renderings`: the patient (or a relative)
writing in their own words, a referral letter, and an exam-style vignette with its vitals in
full sentences. Questionnaire-like renderings taught the text classifier a clinician's list;
people write "I've had a cough for 4 days" or "Thank you for seeing this 61-year-old man".

Each function lays out parts already chosen by the renderer (findings, pain, history,
negations, vitals as words), so omission, order and distractors stay the renderer's. Pure.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Protocol


class Parts(Protocol):
    """What the renderer chose to write (``renderings._Parts``)."""

    person: str
    complaint: str
    symptoms: list[str]
    pain: str
    history: list[str]
    travel: str


# A relative writing for the patient: (the relative's word by the patient's sex, age band).
_PROXIES = {
    ("F", "child"): ("My daughter", "Our daughter"),
    ("M", "child"): ("My son", "Our son"),
    ("F", "adult"): ("My wife", "My mother", "My mum", "My partner"),
    ("M", "adult"): ("My husband", "My father", "My dad", "My partner"),
}
PROXY_SHARE = 0.3
_OWN_DENIAL = ("no {}", "I don't have any {}", "I haven't had {}", "no {} that I've noticed")
_THEIR_DENIAL = ("no {}", "{they} hasn't had {}", "no {} as far as I know")
_TEAMS = ("Dear colleague", "Dear Dr", "Dear team", "Dear Medical Registrar", "Dear Clinic")
_CLOSINGS = (
    "Many thanks.",
    "Thank you for your help.",
    "Kind regards.",
    "I would value your opinion.",
)
_SETTINGS = (
    "presents to the emergency department",
    "presents to her physician",
    "comes to the clinic",
    "is brought to the emergency department",
    "presents",
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _join(words: Sequence[str], rng: random.Random) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + rng.choice((" and ", ", ")) + words[-1]


def sentence(text: str) -> str:
    """``text`` as a sentence: trimmed, capitalised, with a full stop ("" stays "")."""
    text = text.strip(" ,;")
    return (text[0].upper() + text[1:] + ".") if text else ""


def pronoun(sex: str) -> str:
    return "She" if sex.upper() == "F" else "He"


def article(person: str) -> str:
    """ "An" before "81-year-old" or "elderly", else "A"."""
    return "An" if person[0] in "8aeiouAEIOU" else "A"


def _denied(negatives: Sequence[str]) -> list[str]:
    """The denied nouns of the renderer's negations ("no fever" -> "fever")."""
    nouns = []
    for phrase in negatives:
        words = phrase.split()
        if words[0] in ("no", "denies", "nil", "without", "(-)"):
            words = words[1:]
        elif words[:2] == ["neg", "for"]:
            words = words[2:]
        if words[:2] == ["hx", "of"]:
            words = words[2:]
        if words[-1:] == ["reported"]:
            words = words[:-1]
        nouns.append(" ".join(words))
    return nouns


def patient(
    parts: Parts,
    negatives: Sequence[str],
    vitals: Sequence[str],
    age: int,
    sex: str,
    rng: random.Random,
) -> str:
    """The patient in their own words, or a relative (for a child, and for an adult with
    probability ``PROXY_SHARE``): no vitals but a measured temperature at most."""
    letter = "F" if sex.upper() == "F" else "M"
    band = "child" if age < 16 else "adult"
    proxy = band == "child" or rng.random() < PROXY_SHARE
    if proxy:
        who = rng.choice(_PROXIES[(letter, band)])
        they = "She" if letter == "F" else "He"
        years = "under a year" if age < 1 else f"{age}"
        lines = [f"{who} is {years}", f"{they} has {parts.complaint}"]
        denial: tuple[str, ...] = _THEIR_DENIAL
        have = f"{they} also has"
    else:
        lines = [
            rng.choice(
                (f"I'm {age}", f"I am a {age} year old {'woman' if letter == 'F' else 'man'}")
            )
        ]
        lines.append(rng.choice(("I've had ", "I have ", "I've got ")) + parts.complaint)
        they, denial = "I", _OWN_DENIAL
        have = rng.choice(("I also have", "I've also got", "there's also"))
    if parts.symptoms:
        lines.append(f"{have} {_join(parts.symptoms, rng)}")
    if parts.pain:
        lines.append(f"{'I have' if they == 'I' else they + ' has'} {parts.pain}")
    if parts.history:
        lines.append(f"{'I have' if they == 'I' else they + ' has'} {_join(parts.history, rng)}")
    if parts.travel:
        lines.append(parts.travel)
    for noun in _denied(negatives):
        lines.append(rng.choice(denial).format(noun, they=they))
    measured = [v for v in vitals if _NUMBER.search(v) and v.lower().startswith(("t", "temp"))]
    if measured and rng.random() < 0.5:
        lines.append(f"temperature was {_NUMBER.findall(measured[0])[0]}")
    head, tail = lines[:2], lines[2:]
    rng.shuffle(tail)
    return " ".join(sentence(line) for line in head + tail)


def letter(
    parts: Parts, negatives: Sequence[str], vitals: Sequence[str], sex: str, rng: random.Random
) -> str:
    """A referral letter: the greeting, the patient in one line, history and examination."""
    she = pronoun(sex)
    lines = [
        f"{rng.choice(_TEAMS)}, thank you for seeing this {parts.person} with {parts.complaint}"
    ]
    if parts.symptoms:
        lines.append(
            f"{she} {rng.choice(('also reports', 'describes', 'has had'))} "
            f"{_join(parts.symptoms, rng)}"
        )
    if parts.pain:
        lines.append(f"{she} describes {parts.pain}")
    if negatives:
        lines.append(_join(negatives, rng))
    if parts.history:
        lines.append(f"Past history includes {_join(parts.history, rng)}")
    if parts.travel:
        lines.append(parts.travel)
    if vitals:
        lines.append("On examination " + ", ".join(vitals))
    return " ".join(sentence(line) for line in lines) + " " + rng.choice(_CLOSINGS)


def vignette(
    parts: Parts, negatives: Sequence[str], vitals: Sequence[str], sex: str, rng: random.Random
) -> str:
    """An exam-style vignette: "A 45-year-old man presents with ...", the history, then the
    vital signs in a sentence of their own."""
    she = pronoun(sex)
    setting = rng.choice(_SETTINGS).replace("her", "his" if she == "He" else "her")
    lines = [f"{article(parts.person)} {parts.person} {setting} with {parts.complaint}"]
    if parts.pain:
        lines.append(f"{she} describes {parts.pain}")
    if parts.symptoms:
        lines.append(f"{she} has also had {_join(parts.symptoms, rng)}")
    if parts.history:
        lines.append(f"{she} has a history of {_join(parts.history, rng)}")
    if parts.travel:
        lines.append(parts.travel)
    if negatives:
        lines.append(
            f"{she} {rng.choice(('denies', 'reports no'))} {_join(_denied(negatives), rng)}"
        )
    if vitals:
        lines.append("Vital signs: " + ", ".join(vitals))
    return " ".join(sentence(line) for line in lines)
