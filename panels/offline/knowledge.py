"""The DDXPlus knowledge base: its conditions (with corrected ICD-10-CM codes and the findings
some require before a member names them), its evidences and its development rows.

Pure module: no Django, no network. The data (CC BY 4.0, Fansi Tchango et al., NeurIPS 2022) is
read from a folder given by the caller (the product ships a copy in ``data/ddxplus/``).

Findings are DDXPlus evidence tokens: ``E_91`` (a binary evidence, present), ``E_55_@_V_55``
(evidence ``E_55`` with value code ``V_55``) and ``E_56_@_7`` (a numeric scale value).

It also renders a row or a finding as plain English (``render_patient``, ``finding_text``;
:mod:`panels.offline.extraction` reads these sentences back exactly) and reads a text's age
and sex (``extract_demographics``); reading findings is :mod:`panels.offline.extraction`.
``match`` finds the condition a Round 2 ballot entry names (by name, then ICD-10 code).
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from panels.icd10 import code_set
from panels.offline.vocabulary import PHRASES, SYNONYMS

__all__ = ["PHRASES", "SYNONYMS"]  # re-exported: other modules read them from here

CONDITIONS_FILE = "release_conditions.json"
EVIDENCES_FILE = "release_evidences.json"
PATIENTS_FILE = "dev_patients.csv"

MISSING = (
    "The offline panel's knowledge base is missing: {what}, looked for at {path}. "
    "The offline panel needs the DDXPlus data (English release; CC BY 4.0, Fansi Tchango et al., "
    'NeurIPS 2022), from figshare "DDXPlus Dataset (English)" or GitHub mila-iqia/ddxplus: '
    f"{CONDITIONS_FILE}, {EVIDENCES_FILE} and {PATIENTS_FILE}. "
    "Set DDXPLUS_DIR to the folder that holds them."
)


# How a rendered DDXPlus row says that it is a full questionnaire: every evidence it does not
# list was asked and answered no (a closed world). A note never says it (an open world), so a
# member weighs a note's silence as weak evidence and the row's as absence.
QUESTIONNAIRE_COMPLETE = (
    "Full questionnaire: every question not answered above was asked and answered no."
)


class KnowledgeBaseMissing(Exception):
    """The DDXPlus folder or one of its files does not exist. The message says which and where."""


@dataclass(frozen=True)
class Evidence:
    """One DDXPlus question. ``values`` maps value codes to English meanings (empty for
    numeric scales); ``default`` is the value meaning "not present"."""

    code: str
    question: str
    data_type: str
    is_antecedent: bool
    default: str
    values: Mapping[str, str]
    # The question this one characterises ("What color is the rash?" characterises the skin
    # lesion question, "Where is the pain?" the pain question); None for a finding of its own.
    parent: str | None = None

    @property
    def characterises(self) -> bool:
        """True for a sub-question that only describes another finding (its place,
        character, colour, scale): a note that does not describe it says nothing of it."""
        return self.parent is not None


# The one source of the corrections to the KB (documented in data/ddxplus/README.md): SLE
# carries M34 (systemic sclerosis) in the source, J17 is "pneumonia in diseases classified
# elsewhere", and "Larygospasm" is misspelled.
ICD10_FIXES = {"SLE": "M32.9", "Pneumonia": "J18"}
DISPLAY_NAMES = {"Larygospasm": "Laryngospasm"}
# Conditions a member never names unless the text states one of these findings: the exposure
# of a rare, travel- or contact-bound condition (contact with a case, or travel to where it
# is endemic), and the chest pain that a Boerhaave rupture presents with (36 of its 38 DDXPlus
# rows; without it, epigastric and other out-of-scope texts read as Boerhaave). A pain place
# counts as its region (``stated``): any place in the chest states chest pain. Likewise the
# exposure every one of the 61 rows of an initial HIV infection records (sex with an
# HIV-positive partner, unprotected sex with several partners, a previous sexually
# transmitted infection or injected drugs: without one, a febrile rash with nodes, a
# thyrotoxic weight loss or a glandular fever read as HIV), and the dark-fleshed fish or
# Swiss cheese of all 36 scombroid rows (which defines the poisoning).
REQUIRED = {
    "Ebola": frozenset({"E_73", "E_204_@_V_1"}),
    "Chagas": frozenset({"E_204_@_V_3", "E_204_@_V_5"}),
    "Boerhaave": frozenset({"E_55_@_chest"}),
    "HIV (initial infection)": frozenset({"E_189", "E_115", "E_27", "E_61"}),
    "Scombroid food poisoning": frozenset({"E_187"}),
}


@dataclass(frozen=True)
class Condition:
    """One of the 49 pathologies: its KB name, its ICD-10 code as the KB spells it
    (``icd10``), its severity (1-5, lower is more severe) and the evidence codes the KB lists
    for it. ``code`` is the corrected ICD-10-CM code members report, ``display_name`` the
    name they show, ``requires`` the findings one of which must be stated before a member
    may name it (``REQUIRED``; empty: none needed)."""

    name: str
    icd10: str
    severity: int
    findings: frozenset[str] = frozenset()
    code: str | None = None
    display_name: str = ""
    requires: frozenset[str] = frozenset()

    @property
    def category(self) -> str:
        """Its ICD-10 category (three characters): the class a panel's vote counts it in by
        default, where Stable and Unstable angina, or Croup and Epiglottitis, are one answer."""
        return (self.code or self.icd10).strip().upper()[:3]

    @property
    def accepted_codes(self) -> tuple[str, ...]:
        """The ICD-10 codes that name this condition rightly (an evaluation's truth): the
        corrected code where the KB's is wrong (:data:`ICD10_FIXES`), else each code the KB
        gives ("j17, j18" gives two)."""
        if self.name in ICD10_FIXES:
            return (ICD10_FIXES[self.name],)
        return tuple(code.strip() for code in self.icd10.split(",") if code.strip())


def read_rows(path: Path, *, source: Path) -> tuple[PatientRow, ...]:
    """The patient rows of a DDXPlus CSV (the one reader, for the KB's own file and any
    other). Raises OSError, KeyError, ValueError or SyntaxError on a file of another shape."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            PatientRow(
                age=int(record["AGE"]),
                sex=record["SEX"],
                pathology=record["PATHOLOGY"],
                # The file stores Python literals, not JSON (see the data README).
                evidences=tuple(ast.literal_eval(record["EVIDENCES"])),
                initial=record["INITIAL_EVIDENCE"],
                source=source,
            )
            for record in csv.DictReader(handle)
        )


@dataclass(frozen=True)
class PatientRow:
    """One synthetic patient. ``evidences`` are the raw tokens; ``source`` is the KB folder
    the row came from, so it can be rendered without passing the KB around."""

    age: int
    sex: str
    pathology: str
    evidences: tuple[str, ...]
    initial: str
    source: Path = field(compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """The loaded folder. Hashable by identity: :func:`load` returns one instance per folder."""

    directory: Path
    conditions: Mapping[str, Condition]
    evidences: Mapping[str, Evidence]
    rows: tuple[PatientRow, ...]


def load(directory: Path) -> KnowledgeBase:
    """The knowledge base in ``directory``, parsed once per resolved path and process.

    Raises :class:`KnowledgeBaseMissing` when the folder or a file is missing.
    """
    path = Path(directory).expanduser()
    return _load(_resolved(path if path.is_absolute() else Path.cwd() / path))


@lru_cache(maxsize=32)
def _resolved(directory: Path) -> Path:
    # Every member's every call loads its knowledge base: resolving the path each time was
    # about 20 system calls (lstat of each parent), 100 000 in a 1,000-case evaluation.
    # Keyed by the absolute path, so a relative one still follows the working directory.
    return directory.resolve()


@lru_cache(maxsize=8)
def _load(directory: Path) -> KnowledgeBase:
    if not directory.is_dir():
        raise KnowledgeBaseMissing(MISSING.format(what="the DDXPlus folder", path=directory))
    for name in (CONDITIONS_FILE, EVIDENCES_FILE, PATIENTS_FILE):
        if not (directory / name).is_file():
            raise KnowledgeBaseMissing(MISSING.format(what=name, path=directory / name))
    raw_evidences = json.loads((directory / EVIDENCES_FILE).read_text(encoding="utf-8"))
    evidences = {
        code: Evidence(
            code=code,
            question=item["question_en"],
            data_type=item["data_type"],
            is_antecedent=bool(item["is_antecedent"]),
            default=str(item["default_value"]),
            values={k: v["en"] for k, v in item["value_meaning"].items()},
            parent=_parent(code, item, raw_evidences),
        )
        for code, item in raw_evidences.items()
    }
    raw_conditions = json.loads((directory / CONDITIONS_FILE).read_text(encoding="utf-8"))
    conditions = {
        name: Condition(
            name=name,
            icd10=item["icd10-id"],
            severity=int(item["severity"]),
            findings=frozenset([*item["symptoms"], *item["antecedents"]]),
            code=icd10_cm(ICD10_FIXES.get(name, item["icd10-id"])),
            display_name=DISPLAY_NAMES.get(name, name),
            requires=REQUIRED.get(name, frozenset()),
        )
        for name, item in raw_conditions.items()
    }
    rows = read_rows(directory / PATIENTS_FILE, source=directory)
    return KnowledgeBase(directory, conditions, evidences, rows)


def _parent(code: str, item: Mapping[str, object], known: Mapping[str, object]) -> str | None:
    """The evidence that ``code`` characterises (its ``code_question``), when that is another
    evidence of the knowledge base."""
    parent = item.get("code_question")
    return parent if isinstance(parent, str) and parent != code and parent in known else None


def icd10_cm(raw: str) -> str | None:
    """The first code of a KB entry ("j17, j18") as valid ICD-10-CM, upper-cased and dotted
    ("J18"); None when it is not a valid code."""
    code = raw.split(",")[0].strip().upper().replace(".", "")
    if not code:
        return None
    icd = code_set()
    if not icd.is_valid_item(code):
        return None
    return icd.add_dot(code) if len(code) > 3 else code


# --- value names ---------------------------------------------------------------------------

_PLACE_NAMES = {
    "palace": "palate",
    "ischio jambier": "hamstring",
    "commissure": "corner of the mouth",
    "epigastric": "epigastric region",
    "finger (index)": "index finger",
    "finger (middle)": "middle finger",
    "finger (ring finger)": "ring finger",
    "finger (little finger)": "little finger",
    "toe (1)": "second toe",
    "toe (2)": "third toe",
    "toe (3)": "fourth toe",
    "little toe (4)": "little toe",
}
_SIDES = {"(R)": "right", "(L)": "left"}
NUMERIC_LABELS = {
    "E_56": "pain intensity",
    "E_58": "pain localisation precision",
    "E_59": "pain onset speed",
    "E_134": "rash pain",
    "E_132": "rash swelling",
    "E_136": "itching severity",
}


# Regions of the body that a note names without a precise place ("chest pain", "headache"):
# region -> words of the KB's pain places (E_55) that lie in it. A note's "chest pain" is the
# token ``E_55_@_chest``; any stated place in the region also counts as the region, so a row
# that places its pain in the lower chest has chest pain (``region_values``).
PAIN_REGIONS = {
    "chest": ("chest", "breast"),
    "head": ("forehead", "temple", "top of the head", "back of head", "occiput"),
}
PAIN_PLACE = "E_55"


def unmet(condition: Condition, stated: frozenset[str]) -> bool:
    """Whether ``condition`` requires a finding (``Condition.requires``) that ``stated``
    (from :func:`stated`) lacks."""
    return bool(condition.requires) and not condition.requires & stated


def stated(tokens: frozenset[str], kb: KnowledgeBase) -> frozenset[str]:
    """``tokens`` with each pain place's region as a token too ("E_55_@_chest" for a pain in
    the left breast), so that a requirement of chest pain is met by any place in the chest."""
    regions: set[str] = set()
    for token in tokens:
        code, _, value = token.partition("_@_")
        evidence = kb.evidences.get(code)
        if evidence is not None and value:
            regions.update(f"{code}_@_{region}" for region in regions_of(evidence, value))
    return tokens | regions


def regions_of(evidence: Evidence, value: str) -> tuple[str, ...]:
    """The pain regions (``PAIN_REGIONS``) that ``value`` of ``evidence`` lies in, or is:
    ``("chest",)`` for the lower chest and for ``chest`` itself; () for other evidences."""
    if evidence.code != PAIN_PLACE:
        return ()
    if value in PAIN_REGIONS:
        return (value,)
    meaning = evidence.values.get(value, "")
    return tuple(r for r, words in PAIN_REGIONS.items() if any(w in meaning for w in words))


def place(meaning: str) -> str:
    """A KB location ("iliac wing(R)", "palace") as English ("right iliac wing", "palate")."""
    side = next((word for mark, word in _SIDES.items() if meaning.endswith(mark)), "")
    bare = meaning.removesuffix("(R)").removesuffix("(L)").strip()
    bare = _PLACE_NAMES.get(bare, bare)
    return f"{side} {bare}" if side else bare


def value_text(evidence: Evidence, value: str) -> str:
    """The English for one value of ``evidence``: a place, a pain character or a region."""
    meaning = evidence.values.get(value, value)
    return place(meaning) if evidence.code in ("E_55", "E_57", "E_133", "E_152") else meaning


def parse_token(token: str) -> tuple[str, str | None]:
    """``"E_55_@_V_29"`` as ``("E_55", "V_29")``; ``"E_91"`` as ``("E_91", None)``."""
    code, _, value = token.partition("_@_")
    return code, value or None


# --- rendering: a row or a finding as plain English (extraction reads it back exactly) ---

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
    return _render_patient(row, row.source)


# Rendered once per row and folder (a row's equality leaves its folder out): an evaluation
# renders its cases, and every fold's text classifier trains on the same rows' renderings.
@lru_cache(maxsize=8192)
def _render_patient(row: PatientRow, source: Path) -> str:
    kb = load(source)
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


def extract_demographics(text: str) -> tuple[int | None, str | None]:
    """Age in years and sex ("F" or "M") when ``text`` states them, else None for each."""
    lowered = text.casefold()
    age_match = re.search(
        r"\b(\d{1,3})[- ]?(?:years?|yrs?|yo|y/o)\b(?:[- ]old)?|\baged? (\d{1,3})\b", lowered
    )
    age = int(age_match.group(1) or age_match.group(2)) if age_match else None
    if re.search(r"\b(?:infant|newborn|neonate)\b|\bunder (?:1|one) year", lowered):
        age = 0
    female = re.search(r"\b(?:woman|female|girl|lady|she|her)\b", lowered)
    male = re.search(r"\b(?:man|male|boy|gentleman|he|his|him)\b", lowered)
    sex = None
    if female and (not male or female.start() < male.start()):
        sex = "F"
    elif male:
        sex = "M"
    return age, sex


def findings_stated(tokens: Iterable[str], kb: KnowledgeBase) -> int:
    """How many findings the finding ``tokens`` state, counted as the questions they answer,
    each with the questions that only characterise it (``Evidence.parent``): "pain in both
    middle fingers" is one finding (a pain, and where it is), as is "a red rash that peels"."""
    roots: set[str] = set()
    for token in tokens:
        evidence = kb.evidences[token.split("_@_")[0]]
        roots.add(evidence.parent or evidence.code)
    return len(roots)


def match(entry: Any, conditions: Sequence[Condition]) -> Condition | None:
    """The KB condition a ballot entry names (by name, then ICD-10 code exact, then
    category), or None."""
    name = _fold(entry.diagnosis)
    for condition in conditions:
        if name in (_fold(condition.name), _fold(condition.display_name)):
            return condition
    code = (entry.icd10 or "").strip().upper().replace(".", "")
    if not code:
        return None
    for exact in (True, False):
        for condition in conditions:
            own = (condition.code or "").replace(".", "")
            if own and (own == code if exact else own[:3] == code[:3]):
                return condition
    return None


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("é", "e").split())
