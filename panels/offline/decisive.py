"""Decisive signs: examination and test findings that point to one of the 49 conditions and
that DDXPlus has no evidence for (its patients answer a questionnaire: nobody percusses a
chest, reads an X-ray or measures a haemoglobin). A clinician's note states them often
("hyperresonant to percussion on the left", "bilateral hilar lymphadenopathy", "Hb 78 g/L"),
and without them members weigh only the symptoms, which such cases share with commoner
conditions: a young man's sudden sharp chest pain reads as an infarction.

A stated sign (not denied: "no hyperresonance", "anti-dsDNA negative") multiplies the
probability a finding member gives its condition by ``LIKELIHOOD_RATIO`` (the member's
ranking renormalised), as one more finding would in a Bayesian update: the sign settles the
answer among the conditions the symptoms allow, and cannot raise a condition the symptoms
rule out. A member whose top condition is so supported needs no corroboration from the text
classifier: the sign is read from other words of the text than its symptoms, by another
reader than the finding extractor. Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from panels.offline import literals
from panels.offline.decisive_chronic import LONG_STANDING
from panels.offline.decisive_more import COUGH, MORE, all_stated, excluded
from panels.offline.decisive_signs import SIGNS
from panels.offline.scope import Ranking

# How much likelier a stated sign makes its condition than the others. Chosen on the
# development pool (a development figure): 30 added 17 correct consensus, 1,000 added 29,
# more added nothing, none added a wrong one. Naive-Bayes posteriors are extreme, so a sign
# must weigh this much to move a condition that the symptoms leave in second place.
LIKELIHOOD_RATIO = 1000.0
# A haemoglobin below these is a moderate or severe anaemia (WHO: under 10 g/dL).
ANAEMIA_G_DL = 10.0
ANAEMIA_G_L = 100.0
HAEMOGLOBIN_G_L_ABOVE = 25.0  # a unitless haemoglobin above this is in g/L ("Hb 78")

# A sign denied before it is named ("no hyperresonance", "without a rub") or after it
# ("STEMI ruled out", "anti-dsDNA negative", "ST elevation: none").
_DENIED_BEFORE = re.compile(
    r"(?i)(?:\b(?:no|not|nil|without|negative for|absent|denies|sent for|send for|awaiting"
    r"|pending|requested|request|check for|to rule out|rule out|r/o|look(?:ing)? for"
    r"|(?:to )?exclude|possible|possibly|query|suspected"
    r"|no (?:\w+ )?evidence (?:of|for)"
    r"|(?:sputum|samples?|swabs?|bloods?|CT|CXR|X-ray|film) for)\b|\?)[^.;,:\n]{0,12}$"
)
# After the sign, a result that is not positive or not yet known ("anti-dsDNA normal",
# "IGRA borderline", "AFB to be sent", "lung mass?"), or the past ("5 years ago").
_DENIED_AFTER = re.compile(
    r"(?i)^[^.;,\n]{0,12}?(?:\b(?:ruled out|excluded|absent|not|negative|neg|none|pending"
    r"|awaited|requested|to be sent|to follow|unlikely|vs|versus|could not be)\b|\?)"
    # "anti-dsDNA normal", not "hilar nodes with normal lungs".
    r"|^(?:(?!\b(?:with|and|but|or)\b)[^.;,\n]){0,12}?"
    r"\b(?:normal|equivocal|borderline|indeterminate|weakly)\b"
)
# A finding in the past ("previous consolidation", "irregularly irregular 5 years ago", "the
# BHL seen in 2019 has resolved"): not for a cause, which is in the past by nature (an
# amlodipine started 2 months ago, lymph glands taken out 2 years ago).
_PAST_BEFORE = re.compile(r"(?i)\b(?:previous|prior|history of|h/o)\b[^.;,:\n]{0,12}$")
_PAST_AFTER = re.compile(
    r"(?i)^[^.;\n]{0,30}?\b(?:(?:\d+|a few|several) (?:years?|months?|weeks?) ago"
    r"|(?:has |have )?resolved|in (?:19|20)\d\d)\b"
)
# A relative's or a contact's sign ("his brother had TB confirmed by culture", "flu swab
# positive in his wife"): a relative opens the sentence's clause before it, or the sign is
# said to be in one after it.
_RELATIVE = (
    r"(?:brother|sister|mother|father|mum|dad|wife|husband|partner|sibling|cousin|uncle"
    r"|aunt|grand(?:mother|father|parent)|colleague|friend|flatmate|contact)s?"
)
_RELATIVE_BEFORE = re.compile(
    rf"(?i)(?:^|[.;\n]\s*|\b(?:his|her|their|a|the patient's) ){_RELATIVE}\b"
    r"(?:'s)? (?!(?:has |had |have |was |who )?(?:noticed|seen|observed|heard|felt|brought"
    r"|reports?|says?|said|thinks?|worried|concerned|told|is)\b)(?:had|has|was|with|who)\b"
    # ... up to the patient's own words: a parent reports the child's signs ("mum has
    # noticed her 4-month-old has a runny nose"), a wife her husband's.
    r"(?:(?!\b(?:he|she|his|her|him|patient|baby|infant|child|son|daughter|old|noticed"
    r"|reports?|says?|said|brought|worried|concerned)\b)[^.;\n]){0,60}$"
)
_IN_RELATIVE_AFTER = re.compile(
    rf"(?i)^[^.;,\n]{{0,20}}?\b(?:(?:in|from) (?:his|her|their|a|the) {_RELATIVE}"
    rf"|{_RELATIVE} at home|in (?:the|his|her) (?:care home|nursing home|household|family))\b"
)


# An infant under a year, by age in months ("4mo", "7-month-old", "3/12"), and the words of
# bronchiolitis's clinical diagnosis.
_INFANT = re.compile(
    r"(?i)\b(?:[1-9]|1[01]) ?[- ]?(?:months?[- ]old|mo|m/o|/12)\b"
    r"|\b(?:aged?|infant of|baby of|baby,?|infant,?) (?:[1-9]|1[01]) ?months?\b"
)
# A croup's bark or stridor: its coryza, cough and wheeze are no bronchiolitis.
_CROUP = re.compile(r"(?i)\b(?:bark\w*|stridor\w*|croup\w*)")
_CORYZA = re.compile(r"(?i)\b(?:coryza\w*|runny nose|snuffl\w*|snotty|blocked nose|a cold)\b")
_CHEST_SOUNDS = re.compile(r"(?i)\b(?:crackles|creps|crepitations|wheez\w*)\b")
_HAEMOGLOBIN = re.compile(
    r"(?i)\b(?:hb|hgb|haemoglobin|hemoglobin)\s*(?:[:=]|of|was|is)?\s*(\d+(?:\.\d+)?)"
    r"\s*(g/dl|g/l)?"
)
# A bleed the text states: its low haemoglobin is the bleed's (heavy periods are not here:
# their anaemia is the case).
_BLEEDING = re.compile(
    r"(?i)\b(?:mela?ena|ha?ematemesis|coffee[- ]grounds?|(?:black,? )?tarry stools?"
    r"|(?:vomit\w*|threw up|coughed up|coughing up)\b[^.;\n]{0,40}\bblood"
    r"|GI (?:bleed\w*|haemorrhage)|rectal bleed\w*|bleeding (?:per rectum|PR)"
    r"|PR (?:bleed\w*|blood)|variceal"
    r"|ha?emorrhag\w*)"
)


# A disease outside the 49 whose anaemia a text would state along with it.
_ANAEMIA_CAUSE = re.compile(
    r"(?i)\b(?:\w*carcinoma|cancer|malignan\w*|tumou?rs?|lymphoma|leuka?emia|myeloma"
    r"|chronic kidney|CKD|dialysis|renal failure|chemo\w*|sickle|thalass\w*|blood loss"
    r"|post-?op\w*|surgery)\b"
)


@dataclass(frozen=True)
class Stated:
    """A decisive sign stated in a text: its condition, what it is, and the text's words."""

    condition: str
    words: str
    quoted: str


def denied(text: str, start: int, end: int) -> bool:
    """Whether the words of ``text`` from ``start`` to ``end`` are denied, before them
    ("no rub") or after them ("anti-dsDNA negative")."""
    return bool(
        _DENIED_BEFORE.search(text[max(0, start - 24) : start])
        or _DENIED_AFTER.search(text[end : end + 40])
        or _anothers(text, start, end)
    )


def past(text: str, start: int, end: int) -> bool:
    """Whether a finding, the words of ``text`` from ``start`` to ``end``, is in the past."""
    return bool(
        _PAST_BEFORE.search(text[max(0, start - 24) : start])
        or _PAST_AFTER.search(text[end : end + 40])
    )


def _anothers(text: str, start: int, end: int) -> bool:
    """Whether the words of ``text`` from ``start`` to ``end`` are a relative's or a
    contact's ("his brother had ...", "... in his wife")."""
    return bool(
        _RELATIVE_BEFORE.search(text[max(0, start - 80) : start])
        or _IN_RELATIVE_AFTER.search(text[end : end + 30])
    )


# Each sign's pattern with the strings its matches need: most signs are in no given text.
_CHECKED = tuple(literals.checked(sign.pattern) for sign in SIGNS)


@lru_cache(maxsize=256)  # each member asks of the same text
def stated(text: str) -> tuple[Stated, ...]:
    """The decisive signs ``text`` states, one per condition, in ``SIGNS`` order."""
    found: list[Stated] = []
    folded = literals.fold(text)
    for sign, checked in zip(SIGNS, _CHECKED, strict=True):
        if any(s.condition == sign.condition for s in found) or not checked.may_match(folded):
            continue
        if sign.unless is not None and excluded(text, sign.unless):
            continue
        for match in sign.pattern.finditer(text):
            if not (denied(text, *match.span()) or past(text, *match.span())):
                found.append(Stated(sign.condition, sign.words, match.group(0)))
                break
    infant = _bronchiolitis(text)
    if infant:
        found.append(
            Stated(
                "Bronchiolitis",
                "an infant's coryza with a cough and crackles or a wheeze",
                infant,
            )
        )
    anaemia = _anaemia(text)
    if anaemia:
        found.append(Stated("Anemia", "a haemoglobin under 10 g/dL", anaemia))
    for condition, words, read in MORE + LONG_STANDING:
        quoted = read(text, denied)
        if quoted and not any(s.condition == condition for s in found):
            found.append(Stated(condition, words, quoted))
    return tuple(found)


def _bronchiolitis(text: str) -> str | None:
    """An infant's coryza with a cough and crackles or a wheeze, each stated and not denied:
    NICE's clinical diagnosis of bronchiolitis (the knowledge base has one bronchiolitis row
    of 2,014, so no member learns it from the symptoms)."""
    age = _INFANT.search(text)
    if age is None or excluded(text, _CROUP):
        return None
    found = all_stated(text, denied, _CORYZA, COUGH, _CHEST_SOUNDS)
    return f"{age.group(0)}', '{found}" if found else None


def _anaemia(text: str) -> str | None:
    if excluded(text, _BLEEDING, _ANAEMIA_CAUSE):
        return None  # a bleed's or a named disease's low haemoglobin: that is the case
    for match in _HAEMOGLOBIN.finditer(text):
        if _anothers(text, *match.span()) or past(text, *match.span()):
            continue  # "Hb 79 in her mother", "Hb 85 3 years ago"
        value, unit = float(match.group(1)), (match.group(2) or "").lower()
        in_g_l = unit == "g/l" or (not unit and value > HAEMOGLOBIN_G_L_ABOVE)
        if value < (ANAEMIA_G_L if in_g_l else ANAEMIA_G_DL):
            return match.group(0).strip()
    return None


def weighed(ranking: Ranking, text: str) -> Ranking:
    """``ranking`` with each condition a stated sign points to made ``LIKELIHOOD_RATIO``
    times likelier, rescaled to the ranking's own total and re-sorted, and a line saying so;
    ``ranking`` itself when the text states no sign of a condition in it."""
    signs = {s.condition: s for s in stated(text)}
    names = [c.name for c in ranking.conditions]
    if not signs.keys() & set(names):
        return ranking
    weights = [
        p * (LIKELIHOOD_RATIO if c.name in signs else 1.0)
        for c, p in zip(ranking.conditions, ranking.probabilities, strict=True)
    ]
    # The ranking's own total: the conditions left out for want of what they require
    # (``scope.without_unmet``) make no other surer here either.
    total = (sum(weights) or 1.0) / (sum(ranking.probabilities) or 1.0)
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    lines = tuple(
        f"The text states {s.words} ('{s.quoted}'), an examination or test finding my "
        f"questionnaire-based knowledge base has no evidence for; I weigh it for "
        f"{_display(ranking, s.condition)} ({LIKELIHOOD_RATIO:.0f} times likelier)."
        for s in signs.values()
        if s.condition in names
    )
    return replace(
        ranking,
        conditions=tuple(ranking.conditions[i] for i in order),
        probabilities=tuple(weights[i] / total for i in order),
        explanation=(*ranking.explanation, *lines),
    )


def supports(ranking: Ranking, text: str) -> str | None:
    """The sentence a member's reasoning shows when a stated sign points to its top
    condition, which then needs no corroboration by the text classifier; None otherwise."""
    if not ranking.conditions:
        return None
    top = ranking.conditions[0]
    for s in stated(text):
        if s.condition == top.name:
            return (
                f"The text states {s.words} ('{s.quoted}'), which points to "
                f"{top.display_name} independently of the symptoms I read."
            )
    return None


def _display(ranking: Ranking, name: str) -> str:
    return next(c.display_name for c in ranking.conditions if c.name == name)
