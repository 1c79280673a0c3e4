"""The DDXPlus knowledge base: load it, render a patient row as clinical text, and read findings
back out of free text.

Pure module: no Django, no network. The data (CC BY 4.0, Fansi Tchango et al., NeurIPS 2022) is
read from a folder given by the caller (the product ships a copy in ``data/ddxplus/``).

Findings are DDXPlus evidence tokens: ``E_91`` (a binary evidence, present), ``E_55_@_V_55``
(evidence ``E_55`` with value code ``V_55``) and ``E_56_@_7`` (a numeric scale value).
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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


@dataclass(frozen=True)
class Condition:
    """One of the 49 pathologies: its official name, its ICD-10 code as the KB spells it,
    its severity (1-5, lower is more severe) and the evidence codes the KB lists for it."""

    name: str
    icd10: str
    severity: int
    findings: frozenset[str] = frozenset()


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
    return _load(Path(directory).expanduser().resolve())


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
        )
        for name, item in raw_conditions.items()
    }
    with (directory / PATIENTS_FILE).open(encoding="utf-8", newline="") as handle:
        rows = tuple(
            PatientRow(
                age=int(record["AGE"]),
                sex=record["SEX"],
                pathology=record["PATHOLOGY"],
                # The file stores Python literals, not JSON (see the data README).
                evidences=tuple(ast.literal_eval(record["EVIDENCES"])),
                initial=record["INITIAL_EVIDENCE"],
                source=directory,
            )
            for record in csv.DictReader(handle)
        )
    return KnowledgeBase(directory, conditions, evidences, rows)


# --- vocabulary --------------------------------------------------------------------------

# How a clinician would write each binary evidence. Rendering uses these phrases and
# extraction recognises them, so the two stay exact inverses of each other.
PHRASES: dict[str, str] = {
    "E_0": "recent viral infection",
    "E_1": "current or recent oral antibiotic for an ear infection",
    "E_2": "HIV infection",
    "E_3": "previous pericarditis",
    "E_4": "personal or family history of croup",
    "E_5": "previous fluid in the lungs",
    "E_6": "chronic pancreatitis",
    "E_7": "poor diet",
    "E_8": "on dialysis",
    "E_9": "swollen or painful lymph nodes",
    "E_10": "recent anti-inflammatory drugs (NSAIDs)",
    "E_11": "breastfed a child for more than 9 months",
    "E_12": "known severe food allergy",
    "E_13": "symptoms worsening over the last 2 weeks, brought on by less and less effort",
    "E_14": "chest pain at rest",
    "E_15": "antipsychotic medication within the last 7 days",
    "E_16": "anxiety",
    "E_17": "of Asian descent",
    "E_18": "cystic fibrosis",
    "E_19": "hyperthyroidism",
    "E_20": "rheumatoid arthritis",
    "E_21": "previous spontaneous pneumothorax",
    "E_22": "known heart valve problem",
    "E_23": "pauses in breathing during sleep",
    "E_24": "previous diagnosis of anaemia",
    "E_25": "family history of cluster headaches",
    "E_26": "family history of anaemia",
    "E_27": "previous sexually transmitted infection",
    "E_28": "family history of myasthenia gravis",
    "E_29": "family history of psychiatric illness",
    "E_30": "abdominal bloating or distension",
    "E_31": "severe chronic obstructive pulmonary disease (COPD)",
    "E_32": "decreased appetite",
    "E_33": "pain relieved by leaning forward",
    "E_34": "active cancer",
    "E_35": "regularly drinks coffee or tea",
    "E_37": "metastatic cancer",
    "E_38": "jaw pain or weakness",
    "E_39": "recent confusion or disorientation",
    "E_40": "contact with someone who had pertussis",
    "E_41": "contact with a person with similar symptoms in the past 2 weeks",
    "E_42": "contact with or ingestion of a known allergen",
    "E_43": "loss of consciousness with convulsions, or absence episodes",
    "E_44": "takes corticosteroids",
    "E_45": "coughing up blood",
    "E_46": "2 or more asthma attacks in the past year",
    "E_47": "Crohn's disease or ulcerative colitis",
    "E_48": "lives with 4 or more people",
    "E_49": "attends or works in a daycare",
    "E_50": "significantly increased sweating",
    "E_51": "diarrhoea or increased stool frequency",
    "E_52": "double vision",
    "E_53": "pain related to the reason for consulting",
    "E_60": "regular energy drinks",
    "E_61": "current intravenous drug use",
    "E_62": "regular stimulant drug use",
    "E_63": "difficulty articulating words",
    "E_64": "breathlessness on minimal exertion",
    "E_65": "difficulty or discomfort swallowing",
    "E_66": "significant shortness of breath",
    "E_67": "attacks of choking or breathlessness waking the patient at night",
    "E_69": "diabetes",
    "E_70": "significantly overweight",
    "E_71": "high cholesterol or cholesterol-lowering treatment",
    "E_72": "COPD flare-ups in the past year",
    "E_73": "contact with a person infected with Ebola in the last month",
    "E_74": "diffuse redness of one or both eyes",
    "E_75": "a feeling of choking or suffocating",
    "E_76": "slight dizziness or lightheadedness",
    "E_77": "cough producing coloured or more abundant sputum",
    "E_78": "excessive alcohol use or alcohol addiction",
    "E_79": "smokes cigarettes",
    "E_80": "diagnosed depression",
    "E_81": "chronic anxiety",
    "E_82": "feeling faint, lightheaded and dizzy",
    "E_83": "weakness of the facial or eye muscles",
    "E_84": "weakness in both arms or both legs",
    "E_86": "close relatives with allergies, hay fever or eczema",
    "E_87": "family history of asthma",
    "E_88": "fatigue severe enough to stop usual activities",
    "E_89": "constant fatigue or non-restful sleep",
    "E_90": "muscle weakness worse with fatigue or stress",
    "E_91": "fever",
    "E_92": "sudden flushing of the cheeks",
    "E_93": "numbness or tingling in the feet",
    "E_94": "chills or shivers",
    "E_95": "Parkinson's disease",
    "E_96": "recent weight gain",
    "E_97": "sore throat",
    "E_98": "hiatal hernia",
    "E_99": "personal or family history of migraine",
    "E_100": "currently takes hormones",
    "E_101": "hospitalised for an asthma attack in the past year",
    "E_102": "consulting for high blood pressure",
    "E_103": "loss of sense of smell",
    "E_104": "high blood pressure or antihypertensive treatment",
    "E_105": "previous heart attack or angina",
    "E_106": "heart failure",
    "E_107": "previous stroke",
    "E_108": "poor circulation",
    "E_109": "previous deep vein thrombosis (DVT)",
    "E_110": "immobilised for more than 3 consecutive days within the last 4 weeks",
    "E_111": "fear of dying",
    "E_112": "wheezing on inspiration or noisy breathing after coughing spells",
    "E_113": "chronic kidney failure",
    "E_114": "irritability or unstable mood",
    "E_115": "unprotected sex with more than one partner in the last 6 months",
    "E_116": "a cold in the last 2 weeks",
    "E_118": "previous pneumonia",
    "E_119": "chronic sinusitis",
    "E_120": "nasal polyps",
    "E_121": "deviated nasal septum",
    "E_123": "chronic obstructive pulmonary disease (COPD)",
    "E_124": "asthma or previous bronchodilator use",
    "E_125": "gastro-oesophageal reflux",
    "E_126": "liver cirrhosis",
    "E_127": "excessive tearing of the eyes",
    "E_128": "brief episodes of suffocation with inability to breathe or speak",
    "E_129": "skin lesions, redness or rash related to the complaint",
    "E_137": "previous surgery to remove lymph nodes",
    "E_138": "fibromyalgia",
    "E_139": "known heart defect",
    "E_140": "black, tarry stools",
    "E_141": "first menstrual period before age 12",
    "E_142": "mother with asthma",
    "E_143": "exercises regularly, 4 or more times a week",
    "E_144": "diffuse muscle pain",
    "E_145": "heavy or prolonged menstrual periods",
    "E_146": "takes new oral anticoagulants (NOACs)",
    "E_147": "recent hospital treatment with injected medication for nausea, agitation, "
    "intoxication or aggression",
    "E_148": "nausea",
    "E_149": "takes calcium channel blockers",
    "E_150": "still able to pass stools or gas",
    "E_151": "swelling in one or more areas of the body",
    "E_153": "treated for osteoporosis",
    "E_154": "unusual pallor",
    "E_155": "palpitations (fast, racing or irregular heartbeat)",
    "E_156": "weakness or paralysis on one side of the face",
    "E_157": "numbness or tingling in both arms and legs and around the mouth",
    "E_158": "endocrine disease or hormone dysfunction",
    "E_159": "loss of consciousness",
    "E_160": "premature birth or birth complications",
    "E_161": "loss of appetite or early satiety",
    "E_162": "involuntary weight loss over the last 3 months",
    "E_163": "vaginal discharge",
    "E_164": "very irregular, disorganised heartbeat",
    "E_165": "family history of pneumothorax",
    "E_166": "vomiting after coughing",
    "E_167": "pregnant or possibly pregnant",
    "E_168": "difficulty keeping the tongue in the mouth",
    "E_169": "itchy nose or back of the throat",
    "E_170": "severe itching of one or both eyes",
    "E_171": "feeling detached from own body or surroundings",
    "E_172": "difficulty opening or raising the eyelids",
    "E_173": "burning sensation rising from the stomach into the throat",
    "E_174": "unintentional weight loss or loss of appetite",
    "E_175": "new fatigue, malaise or diffuse muscle aches",
    "E_176": "current or past weakness or paralysis of the limbs or face",
    "E_177": "numbness or tingling somewhere on the body, now or in the past",
    "E_178": "unusual bleeding or bruising",
    "E_179": "bright red blood or clots in the stool",
    "E_180": "inability to control the direction of the eyes",
    "E_181": "nasal congestion or clear runny nose",
    "E_182": "greenish or yellowish nasal discharge",
    "E_183": "lives in a rural area",
    "E_184": "takes vasodilator medication",
    "E_185": "previous head trauma",
    "E_186": "obstructive sleep apnoea (OSA)",
    "E_187": "ate dark-fleshed fish (such as tuna) or Swiss cheese before the reaction",
    "E_188": "pale stools and dark urine",
    "E_189": "sex with an HIV-positive partner in the past 12 months",
    "E_190": "increased saliva production",
    "E_191": "former smoker",
    "E_192": "neck muscle spasm or soreness preventing turning the head",
    "E_193": "troublesome muscle spasms in the face, neck or elsewhere",
    "E_194": "high-pitched sound on breathing in",
    "E_195": "lives in the suburbs",
    "E_196": "surgery within the last month",
    "E_197": "kidney problem with protein loss",
    "E_198": "works in agriculture",
    "E_199": "works in construction",
    "E_200": "works in mining",
    "E_201": "cough",
    "E_202": "whooping cough",
    "E_203": "intense coughing fits",
    "E_205": "difficulty opening the mouth or jaw pain on opening",
    "E_206": "painful mouth ulcers or sores",
    "E_207": "lives in a big city",
    "E_208": "underweight (BMI below 18.5)",
    "E_209": "vaccinations up to date",
    "E_210": "vomiting blood or coffee-ground material",
    "E_211": "repeated vomiting or retching",
    "E_212": "hoarse, deeper or softer voice",
    "E_213": "recent decongestants or other stimulants",
    "E_214": "wheezing on breathing out",
    "E_215": "symptoms worse after eating",
    "E_216": "pain worse with movement",
    "E_217": "symptoms worse lying down and relieved by sitting up",
    "E_218": "symptoms worse on exertion and relieved by rest",
    "E_219": "symptoms worse at night",
    "E_220": "pain worse on deep breathing",
    "E_221": "symptoms worse with coughing, straining or lifting",
    "E_222": "daily exposure to secondhand smoke",
    "E_223": "family history of pancreatic cancer",
    "E_224": "family history of lung cancer",
    "E_225": "family history of cardiovascular disease before age 50",
    "E_226": "prone to common allergies",
    "E_227": "immunosuppressed",
    # Yes/no categorical evidences whose "yes" value is a finding of its own.
    "E_131_@_V_12": "lesions peel off",
    "E_135_@_V_12": "lesions larger than 1 cm",
}

# Hand-written synonyms for findings as clinicians usually write them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "febrile": ("E_91",),
    "pyrexia": ("E_91",),
    "high temperature": ("E_91",),
    "coughing": ("E_201",),
    "productive cough": ("E_201", "E_77"),
    "sputum": ("E_77",),
    "haemoptysis": ("E_45",),
    "chest pain": ("E_53", "E_55_@_V_29", "E_55_@_V_101"),
    "pleuritic": ("E_220",),
    "shortness of breath": ("E_66",),
    "short of breath": ("E_66",),
    "breathlessness": ("E_66",),
    "breathless": ("E_66",),
    "dyspnoea": ("E_66",),
    "difficulty breathing": ("E_66",),
    "sob": ("E_66",),
    "exertional dyspnoea": ("E_64",),
    "orthopnoea": ("E_217",),
    "wheezing": ("E_214",),
    "wheeze": ("E_214",),
    "stridor": ("E_194",),
    "runny nose": ("E_181",),
    "rhinorrhoea": ("E_181",),
    "nasal congestion": ("E_181",),
    "blocked nose": ("E_181",),
    "stuffy nose": ("E_181",),
    "sore throat": ("E_97",),
    "pharyngitis": ("E_97",),
    "odynophagia": ("E_65",),
    "dysphagia": ("E_65",),
    "hoarseness": ("E_212",),
    "hoarse voice": ("E_212",),
    "palpitations": ("E_155",),
    "irregular heartbeat": ("E_164",),
    "sweating": ("E_50",),
    "diaphoresis": ("E_50",),
    "chills": ("E_94",),
    "rigors": ("E_94",),
    "fatigue": ("E_89",),
    "tiredness": ("E_89",),
    "malaise": ("E_175",),
    "myalgia": ("E_144",),
    "muscle aches": ("E_175",),
    "nauseous": ("E_148",),
    "vomiting": ("E_211",),
    "haematemesis": ("E_210",),
    "diarrhoea": ("E_51",),
    "melaena": ("E_140",),
    "heartburn": ("E_173",),
    "reflux": ("E_173",),
    "dizziness": ("E_76",),
    "dizzy": ("E_76",),
    "lightheaded": ("E_76",),
    "syncope": ("E_159",),
    "fainted": ("E_159",),
    "presyncope": ("E_82",),
    "confusion": ("E_39",),
    "diplopia": ("E_52",),
    "ptosis": ("E_172",),
    "dysarthria": ("E_63",),
    "weight loss": ("E_162",),
    "loss of appetite": ("E_161",),
    "anorexia": ("E_161",),
    "swelling": ("E_151",),
    "oedema": ("E_151",),
    "rash": ("E_129",),
    "hives": ("E_129",),
    "itchy eyes": ("E_170",),
    "red eyes": ("E_74",),
    "watery eyes": ("E_127",),
    "headache": ("E_53", "E_55_@_V_89", "E_55_@_V_166", "E_55_@_V_167"),
    "earache": ("E_53", "E_55_@_V_129", "E_55_@_V_130"),
    "ear pain": ("E_53", "E_55_@_V_129", "E_55_@_V_130"),
    "abdominal pain": ("E_53", "E_55_@_V_187"),
    "epigastric pain": ("E_53", "E_55_@_V_197"),
    "smoker": ("E_79",),
    "hypertension": ("E_104",),
    "hypertensive": ("E_104",),
    "diabetic": ("E_69",),
    "hypercholesterolaemia": ("E_71",),
    "asthma": ("E_124",),
    "asthmatic": ("E_124",),
    "copd": ("E_123",),
    "obese": ("E_70",),
    "obesity": ("E_70",),
    "anxious": ("E_16",),
    "pregnant": ("E_167",),
    "hiv positive": ("E_2",),
    "immunocompromised": ("E_227",),
    "recent surgery": ("E_196",),
    "dvt": ("E_109",),
    "anaemia": ("E_24",),
}

# Side markers in the KB's location names ("ear(R)") and names that read badly as English.
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
_NUMERIC_LABELS = {
    "E_56": "pain intensity",
    "E_58": "pain localisation precision",
    "E_59": "pain onset speed",
    "E_134": "rash pain",
    "E_132": "rash swelling",
    "E_136": "itching severity",
}
# Where each multi-valued evidence's values are listed, in the rendered text and in free text.
_VALUE_CONTEXTS = {
    "E_54": r"pain (?:is )?(?:described|characteri[sz]ed) as ",
    "E_55": r"(?<!rash )pain (?:is )?(?:located |felt |localised |localized )?(?:in|at|on|over) ",
    "E_57": r"radiat\w* (?:to|into|towards) ",
    "E_133": r"(?:rash|lesions?) (?:is |are )?(?:located )?(?:in|at|on|over) ",
    "E_152": r"swelling (?:is )?(?:located )?(?:in|at|on|over|of) ",
    "E_204": r"travell?ed (?:out of the country )?(?:to|in) ",
    "E_130": r"rash colou?r ",
}
# Words that open a question fragment which is not a finding, and fragments too vague alone.
_NOT_ALIAS_START = frozenset(
    ("in", "are", "have", "had", "that", "n", "being", "attend", "live", "very", "both")
    + ("more", "one", "completely", "started", "softer", "greenish", "swelling", "speak")
)
_NOT_ALIASES = frozenset(
    ("pain", "weakness", "difficulty", "stress", "swollen", "redness", "lesions", "sores")
    + ("tea", "hormones", "nose", "neck", "eyes", "2", "irregularly", "intoxication")
    + ("agitation", "intramuscular route", "unable to move")
)
# Clauses end at sentence punctuation (not a decimal point) and at words that start a new
# statement, so "no fever but cough" negates only the fever.
_CLAUSE = re.compile(
    r"(?<!\d)\.|\.(?!\d)|[;!?\n]+|\b(?:but|however|although|though|except|reports?|complains?)\b"
)
_NEGATION = re.compile(
    r"\b(?:no|not|denies|denied|deny|denying|without|negative for|never|nor|absence of|free of)\b"
)


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
    code, value = _parse_token(token)
    if token in PHRASES:
        return PHRASES[token]
    if value is None:
        return kb.evidences[code].question
    if code in _NUMERIC_LABELS:
        return f"{_NUMERIC_LABELS[code]} {value}/10"
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


def _parse_token(token: str) -> tuple[str, str | None]:
    code, _, value = token.partition("_@_")
    return code, value or None


def render_patient(row: PatientRow) -> str:
    """``row`` as the plain clinical English a clinician could have written.

    Deterministic: age and sex, the presenting complaint, symptoms, pain (character,
    location, radiation, "pain intensity 7/10" and the other 0-10 scales), skin, swelling,
    history and travel, each in its own sentence. Default, "N" and "NA" values are left out
    and no evidence code appears. Raises :class:`KnowledgeBaseMissing` if the row's folder
    is gone.
    """
    kb = load(row.source)
    symptoms: list[str] = []
    history: list[str] = []
    listed: dict[str, list[str]] = {}
    scales: dict[str, str] = {}
    for token in row.evidences:
        code, value = _parse_token(token)
        evidence = kb.evidences[code]
        if value is None or token in PHRASES:
            if token in PHRASES and token != row.initial:
                (history if evidence.is_antecedent else symptoms).append(PHRASES[token])
        elif value == evidence.default or evidence.values.get(value) in ("N", "NA", "Y"):
            continue
        elif code in _NUMERIC_LABELS:
            scales[code] = f"{_NUMERIC_LABELS[code]} {value}/10"
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
    return ". ".join(s[0].upper() + s[1:] for s in sentences) + "."


# --- extraction --------------------------------------------------------------------------


def _normal(text: str) -> str:
    """Lower case, British spellings, words and scores only, single spaces, padded."""
    text = text.casefold().replace("’", "'").replace("é", "e")
    for american, british in (
        ("diarrhea", "diarrhoea"),
        ("dyspnea", "dyspnoea"),
        ("orthopnea", "orthopnoea"),
        ("rhinorrhea", "rhinorrhoea"),
        ("anemi", "anaemi"),
        ("hemoptysis", "haemoptysis"),
        ("hematemesis", "haematemesis"),
        ("melena", "melaena"),
        ("edema", "oedema"),
        ("esophag", "oesophag"),
        ("hospitalized", "hospitalised"),
        ("cholesterolemia", "cholesterolaemia"),
        ("apnea", "apnoea"),
        ("colored", "coloured"),
        ("color", "colour"),
    ):
        text = text.replace(american, british)
    return " " + " ".join(re.findall(r"[a-z0-9]+(?:/[0-9]+)?|=", text)) + " "


def _question_aliases(evidence: Evidence) -> list[str]:
    """Short phrases a question asks about: "Do you have nasal congestion or a clear runny
    nose?" gives "nasal congestion" and "clear runny nose". Fragments that are not findings
    on their own ("both eyes", "pain", "stress") are left out."""
    core = re.sub(r"\([^)]*\)", " ", evidence.question.rstrip("?: "))
    core = re.sub(
        r"^(?:do|did|have|are|is|does) (?:you|your|the person)\b(?: \w+ly)?(?: ever)?"
        r"(?: (?:have|had|feel|feeling|been|noticed|experiencing|suffer from|take|taking)\b)?\s*",
        "",
        core,
        flags=re.IGNORECASE,
    )
    aliases = []
    for part in re.split(r",| or | and/or ", core):
        words = [w for w in _normal(part).split() if w not in ("a", "an", "any", "the")]
        if (
            1 <= len(words) <= 3
            and not {"you", "your", "they", "their"} & set(words)
            and words[0] not in _NOT_ALIAS_START
            and " ".join(words) not in _NOT_ALIASES
        ):
            aliases.append(" ".join(words))
    return aliases


@lru_cache(maxsize=8)
def _lexicon(kb: KnowledgeBase) -> tuple[tuple[str, frozenset[str]], ...]:
    """(normalised phrase, findings) pairs, longest phrase first so that "whooping cough"
    is consumed before "cough" can match inside it."""
    entries: dict[str, set[str]] = {}
    owners: dict[str, set[str]] = {}
    for evidence in kb.evidences.values():
        if evidence.data_type == "B":
            for alias in _question_aliases(evidence):
                owners.setdefault(alias, set()).add(evidence.code)
    for alias, codes in owners.items():
        if len(codes) == 1 and len(alias) > 3:  # an alias two questions share says nothing
            entries.setdefault(alias, set()).update(codes)
    for phrase, tokens in SYNONYMS.items():
        entries[_normal(phrase).strip()] = set(tokens)
    for token, phrase in PHRASES.items():
        entries[_normal(phrase).strip()] = {token}
    ranked = sorted(entries.items(), key=lambda item: (-len(item[0]), item[0]))
    return tuple((phrase, frozenset(tokens)) for phrase, tokens in ranked)


@lru_cache(maxsize=8)
def _value_names(kb: KnowledgeBase, code: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(normalised value name, values) for one multi-valued evidence, longest first. A bare
    place name ("ear") stands for both sides when the KB only has sided values."""
    evidence = kb.evidences[code]
    names: dict[str, list[str]] = {}
    for value in evidence.values:
        if value == evidence.default or evidence.values[value] in ("N", "NA"):
            continue
        text = _normal(value_text(evidence, value)).strip()
        names.setdefault(text, []).append(value)
        bare = re.sub(r"^(?:right|left) ", "", text)
        if bare != text:
            names.setdefault("~" + bare, []).append(value)
    result = []
    for name, values in names.items():
        if name.startswith("~"):
            if name[1:] in names:
                continue
            name = name[1:]
        result.append((name, tuple(values)))
    return tuple(sorted(result, key=lambda item: (-len(item[0]), item[0])))


def _consume(clause: str, phrase: str) -> tuple[str, list[int]]:
    """Blank out each whole-word occurrence of ``phrase``; return the clause and the starts."""
    starts = []
    needle = f" {phrase} "
    at = clause.find(needle)
    while at >= 0:
        starts.append(at)
        clause = clause[:at] + " " + "#" * (len(phrase)) + clause[at + len(phrase) + 1 :]
        at = clause.find(needle)
    return clause, starts


def extract_findings(text: str, *, kb: KnowledgeBase) -> set[str]:
    """The DDXPlus findings stated as present in ``text``.

    Recognises the phrases :func:`render_patient` writes, short phrases taken from the
    evidence questions, a hand-made synonym table ("shortness of breath", "runny nose",
    "wheezing"), 0-10 scales ("pain intensity 7/10"), and listed values after their context
    ("pain located in the right ear", "travelled to West Africa"). A finding after a
    negation cue in the same clause ("no fever", "denies cough") is not present.
    """
    found: set[str] = set()
    for raw_clause in _CLAUSE.split(text):
        clause = _normal(raw_clause)
        cue = _NEGATION.search(clause)
        negated_from = cue.start() if cue else len(clause)
        # Listed values and scales first, blanking what they used so that "a knife stroke"
        # or "rash swelling 3/10" cannot also read as a stroke or a swelling.
        for code, context in _VALUE_CONTEXTS.items():
            for match in list(re.finditer(context, clause)):
                values, rest = _values_in(kb, code, clause[match.end() - 1 :])
                clause = clause[: match.end() - 1] + rest
                if match.start() < negated_from:
                    found.update(values)
        for code, label in _NUMERIC_LABELS.items():
            pattern = rf"{'(?<!rash )' if code == 'E_56' else ''}{_normal(label).strip()} (\d+)/10"
            for match in list(re.finditer(pattern, clause)):
                clause = clause[: match.start()] + "#" * len(match.group()) + clause[match.end() :]
                if match.start() < negated_from and match.group(1) != "0":
                    found.add(f"{code}_@_{int(match.group(1))}")
        for phrase, tokens in _lexicon(kb):
            clause, starts = _consume(clause, phrase)
            if any(start < negated_from for start in starts):
                found.update(tokens)
    if any(token.startswith(("E_55_@_", "E_56_@_")) for token in found):
        found.add("E_53")  # a located or scored pain is pain
    return found


def _values_in(kb: KnowledgeBase, code: str, segment: str) -> tuple[set[str], str]:
    """The values of ``code`` named in ``segment``, and the segment with them blanked."""
    found: set[str] = set()
    for name, values in _value_names(kb, code):
        segment, starts = _consume(segment, name)
        if starts:
            found.update(f"{code}_@_{value}" for value in values)
    return found, segment


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
