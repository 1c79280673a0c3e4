"""Neighbour confusions: cases where a member's top condition rests on how DDXPlus codes a
finding, or on a test DDXPlus does not have, rather than on the case. A member abstains, with
the reason in words, when

- its top is URTI and the text states a sore throat with pain on swallowing: DDXPlus codes a
  viral pharyngitis's sore throat as pain in the pharynx (its rows never have "sore throat",
  which is URTI's), so "sore throat" alone leans to URTI whatever the case (``coded_apart``);
- its top is an angina and the text states a sign of myocardial infarction (ST elevation, a
  raised troponin), which DDXPlus cannot weigh: it tells NSTEMI / STEMI from unstable angina
  by chest pain at rest, clinicians by the ECG and troponin (``infarction_signs``); when
  the infarction itself comes next, the sign leaves the anginas out of the ranking instead,
  as a missing required finding leaves out a rare condition (``without_anginas``);
- (for the text classifier's corroboration only) the text states a chest pain eased leaning
  forward, pericarditis' positional pain, whose words DDXPlus has only in epiglottitis' rows
  (``chest_pain_eased_leaning_forward``);
- the text states a measured hypoglycaemia, a condition outside the 49 that explains
  sweating, tremor, palpitations, anxiety and confusion by itself (``hypoglycaemia``).

None of these fires on a DDXPlus row (no row states pain on swallowing with URTI, or a test).
A condition that needs a stated finding (Boerhaave without chest pain) is
``knowledge.REQUIRED``'s, as the travel-bound ones are. Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from panels.offline import decisive, extraction
from panels.offline.scope import Ranking

# Top condition -> (findings the text states together, the condition DDXPlus codes them
# apart from, what they are in words).
CODED_APART: dict[str, tuple[frozenset[str], str, str]] = {
    "URTI": (
        frozenset({"E_97", "E_65"}),
        "Viral pharyngitis",
        "a sore throat with pain on swallowing",
    ),
}
# Conditions that exclude a myocardial infarction by definition (no necrosis, no ST elevation).
ANGINAS = frozenset({"Unstable angina", "Stable angina"})
INFARCTION = "Possible NSTEMI / STEMI"
PERICARDITIS = "Pericarditis"
LEANING_FORWARD_CODED_FOR = "Epiglottitis"
_LEANING = re.compile(
    r"(?i)\b(?:lean(?:s|ing|ed)?|sit(?:s|ting)?|sat) (?:up and lean\w* )?forwards?\b"
)
# A high-sensitivity troponin above which an infarction is ruled in (ESC 0 h rule-in for
# hs-cTnT, 52 ng/L); 0.05 ng/mL (ug/L) for the older assays that report in those units.
TROPONIN_NG_L = 52.0
TROPONIN_NG_ML = 0.05
# Blood glucose below which a text states a hypoglycaemia (3.9 mmol/L, 70 mg/dL: ADA level 1).
HYPO_MMOL = 3.9
HYPO_MG_DL = 70.0
# A glucose written without its unit is in mg/dL above this (no living patient's is 35
# mmol/L, hyperosmolar states included, while "glucose 65" is a US note's mg/dL); in mmol/L
# at or below it.
UNITLESS_MG_DL_ABOVE = 35.0

_ST_ELEVATION = re.compile(r"(?i)\bST[- ]?(?:segment )?elevations?\b|\bSTE\b|\bSTEMI\b")
_TROPONIN = re.compile(
    r"(?i)\b(?:hs-?|high[- ]sensitivity )?trop(?:onin)?s?(?: ?[IT])?\b"
    r"(?P<gap>[^.;\n]{0,30}?)"
    r"(?:\b(?P<word>raised|elevated|positive|high|rising|rose|increased|up)\b"
    r"|(?P<value>\d+(?:\.\d+)?) ?(?P<unit>ng/l|ng/ml|ug/l|µg/l))"
)
_GLUCOSE = re.compile(
    r"(?i)\b(?:(?:capillary |blood |plasma |finger[- ]?prick |serum )?glucose|cbg|bm|sugar)"
    r"(?: level| reading)?\s*(?:[:=]|of|was|is)?\s*(\d+(?:\.\d+)?) ?(mmol/l|mmol|mg/dl)?"
)


def coded_apart(ranking: Ranking, reading: extraction.Reading) -> str | None:
    """Why the top condition cannot be told from one DDXPlus codes the same complaint
    differently for (``CODED_APART``), in words; None otherwise."""
    top = ranking.conditions[0].name if ranking.conditions else ""
    if top not in CODED_APART:
        return None
    stated, other, words = CODED_APART[top]
    if not stated <= reading.tokens:
        return None
    return (
        f"the text states {words}, how a {other.lower()} presents, and my knowledge base "
        f"codes that complaint differently for {other} than for {top} (pain in the pharynx, "
        f"never a 'sore throat'), so I cannot tell {top} from {other} here."
    )


def infarction_signs(ranking: Ranking, text: str) -> str | None:
    """Why an angina on top is not put forward when the text states a sign of infarction,
    in words; None when the top is no angina or the text states none."""
    if not ranking.conditions or ranking.conditions[0].name not in ANGINAS:
        return None
    top = ranking.conditions[0].display_name
    signs = _infarction_signs(text)
    if not signs:
        return None
    return (
        f"the text states {' and '.join(signs)}, a sign of myocardial infarction (NSTEMI / "
        f"STEMI) rather than {top}; my knowledge base has no ECG or troponin finding to weigh, "
        "so my preference for an angina does not account for it."
    )


def without_anginas(ranking: Ranking, text: str) -> Ranking:
    """``ranking`` without the anginas when the text states a sign of infarction and they
    are all that keeps a myocardial infarction from the top: an angina is, by definition,
    ischaemia without necrosis (no raised troponin, no ST elevation), so the sign excludes
    it as a required finding excludes a rare condition. Otherwise ``ranking`` itself (an
    angina on top over another runner-up is left to :func:`infarction_signs`)."""
    rest = [i for i, c in enumerate(ranking.conditions) if c.name not in ANGINAS]
    if not rest or len(rest) == len(ranking.conditions):
        return ranking
    if ranking.conditions[rest[0]].name != INFARCTION:
        return ranking
    signs = _infarction_signs(text)
    if not signs:
        return ranking
    total = sum(ranking.probabilities[i] for i in rest) or 1.0
    line = (
        f"The text states {' and '.join(signs)}, a sign of myocardial infarction: it excludes "
        "unstable and stable angina (ischaemia without necrosis), which I leave out."
    )
    return replace(
        ranking,
        conditions=tuple(ranking.conditions[i] for i in rest),
        probabilities=tuple(ranking.probabilities[i] / total for i in rest),
        explanation=(*ranking.explanation, line),
    )


def chest_pain_eased_leaning_forward(text: str, stated: frozenset[str]) -> bool:
    """Whether ``text`` states a chest pain (``stated``, from ``knowledge.stated``) that
    eases leaning or sitting forward: pericarditis' positional pain, which DDXPlus codes as
    worse lying down (E_217), its words for a pain eased leaning forward being epiglottitis'
    alone (E_33), so a text classifier trained on its rows reads them as epiglottitis."""
    return "E_55_@_chest" in stated and "E_217" in stated and bool(_LEANING.search(text))


def excludes_anginas(text: str) -> bool:
    """Whether ``text`` states a sign of myocardial infarction (ST elevation, a raised
    troponin), which excludes unstable and stable angina (ischaemia without necrosis)."""
    return bool(_infarction_signs(text))


@lru_cache(maxsize=256)  # each member asks of the same text
def _infarction_signs(text: str) -> tuple[str, ...]:
    signs: list[str] = []
    for match in _ST_ELEVATION.finditer(text):
        if not decisive.denied(text, match.start(), match.end()):
            signs.append("ST elevation")
            break
    for match in _TROPONIN.finditer(text):
        if re.search(r"(?i)\b(?:no|not|normal|neg\w*|pending)\b", match.group("gap")):
            continue
        if match.group("word"):
            signs.append("a raised troponin")
            break
        value, unit = float(match.group("value")), match.group("unit").lower()
        if value > (TROPONIN_NG_L if unit == "ng/l" else TROPONIN_NG_ML):
            signs.append("a raised troponin")
            break
    return tuple(signs)


def hypoglycaemia(text: str) -> str | None:
    """Why a text that states a measured hypoglycaemia is outside the 49 conditions, in
    words; None when it states none."""
    for match in _GLUCOSE.finditer(text):
        value = float(match.group(1))
        unit = (match.group(2) or ("mg/dl" if value > UNITLESS_MG_DL_ABOVE else "mmol/l")).lower()
        low = value < HYPO_MG_DL if unit == "mg/dl" else value < HYPO_MMOL
        if low:
            shown = "mg/dL" if unit == "mg/dl" else "mmol/L"
            return (
                f"the text states a blood glucose of {match.group(1)} {shown}, a hypoglycaemia: "
                "a condition outside my knowledge base of 49 conditions that by itself explains "
                "sweating, tremor, palpitations, anxiety and confusion."
            )
    return None


def reason(ranking: Ranking, reading: extraction.Reading, text: str) -> str | None:
    """The first of this module's reasons to abstain that applies, in words; None if none."""
    return hypoglycaemia(text) or coded_apart(ranking, reading) or infarction_signs(ranking, text)
