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
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

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
    r"|pending|requested|request|check for|to rule out|rule out|r/o)\b|\?)[^.;,\n]{0,12}$"
)
_DENIED_AFTER = re.compile(
    r"(?i)^[^.;,\n]{0,12}?\b(?:ruled out|excluded|absent|not (?:seen|present|shown|found)"
    r"|negative|neg|none|pending|awaited|requested)\b"
)


# An infant under a year, by age in months ("4mo", "7-month-old", "3/12"), and the words of
# bronchiolitis's clinical diagnosis.
_INFANT = re.compile(r"(?i)\b(?:[1-9]|1[01]) ?[- ]?(?:months?|mo|/12)(?:[- ]old)?\b")
_CORYZA = re.compile(r"(?i)\b(?:coryza\w*|runny nose|snuffl\w*|snotty|blocked nose|a cold)\b")
_COUGH = re.compile(r"(?i)\bcough\w*")
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
    r"(?i)\b(?:carcinoma|cancer|malignan\w*|tumou?rs?|lymphoma|leuka?emia|myeloma"
    r"|chronic kidney|CKD|dialysis|renal failure)\b"
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
        or _DENIED_AFTER.search(text[end : end + 30])
    )


@lru_cache(maxsize=256)  # each member asks of the same text
def stated(text: str) -> tuple[Stated, ...]:
    """The decisive signs ``text`` states, one per condition, in ``SIGNS`` order."""
    found: list[Stated] = []
    for sign in SIGNS:
        if any(s.condition == sign.condition for s in found):
            continue
        if sign.unless is not None and sign.unless.search(text):
            continue
        for match in sign.pattern.finditer(text):
            if not denied(text, match.start(), match.end()):
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
    for condition, words, read in _MORE:
        quoted = read(text)
        if quoted and not any(s.condition == condition for s in found):
            found.append(Stated(condition, words, quoted))
    return tuple(found)


def _bronchiolitis(text: str) -> str | None:
    """An infant's coryza with a cough and crackles or a wheeze, each stated and not denied:
    NICE's clinical diagnosis of bronchiolitis (the knowledge base has one bronchiolitis row
    of 2,014, so no member learns it from the symptoms)."""
    age = _INFANT.search(text)
    if age is None:
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_CORYZA, _COUGH, _CHEST_SOUNDS)
    ]
    if any(m is None for m in found):
        return None
    return "', '".join([age.group(0), *(m.group(0) for m in found if m is not None)])


def _anaemia(text: str) -> str | None:
    causes = (*_BLEEDING.finditer(text), *_ANAEMIA_CAUSE.finditer(text))
    if any(not denied(text, m.start(), m.end()) for m in causes):
        return None  # a bleed's or a named disease's low haemoglobin: that is the case
    for match in _HAEMOGLOBIN.finditer(text):
        value, unit = float(match.group(1)), (match.group(2) or "").lower()
        in_g_l = unit == "g/l" or (not unit and value > HAEMOGLOBIN_G_L_ABOVE)
        if value < (ANAEMIA_G_L if in_g_l else ANAEMIA_G_DL):
            return match.group(0).strip()
    return None


def weighed(ranking: Ranking, text: str) -> Ranking:
    """``ranking`` with each condition a stated sign points to made ``LIKELIHOOD_RATIO``
    times likelier, renormalised and re-sorted, and a line saying so; ``ranking`` itself
    when the text states no sign of a condition in it."""
    signs = {s.condition: s for s in stated(text)}
    names = [c.name for c in ranking.conditions]
    if not signs.keys() & set(names):
        return ranking
    weights = [
        p * (LIKELIHOOD_RATIO if c.name in signs else 1.0)
        for c, p in zip(ranking.conditions, ranking.probabilities, strict=True)
    ]
    total = sum(weights) or 1.0
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


# More signs: combinations of findings a function reads (each stated and not denied).

# Urticaria or angioedema: the skin and mucosa of an allergic reaction.
_URTICARIA = re.compile(
    r"(?i)\b(?:urticari\w*|hives|welts|wheals|angio-?o?edema"
    r"|(?:lips?|tongue)\b[^.;\n]{0,20}\b(?:swell\w*|swollen)"
    r"|(?:swell\w*|swollen) (?:\w+ ){0,2}(?:lips?|tongue))\b"
)
# A measured blood pressure ("BP 78/40", "blood pressure falls from 128/80 to 70/40").
_BLOOD_PRESSURE = re.compile(
    r"(?i)\b(?:BP|blood pressure)\b[^.;\n]{0,30}?\b(\d{2,3}) ?/ ?(\d{2,3})\b(?! ?mg)"
    r"(?:[^.;\n]{0,6}?\bto (\d{2,3}) ?/ ?(\d{2,3})\b)?"
)
# A low pressure named, or its end-organ signs (WAO: a collapse, a hypotonia, a syncope).
_HYPOTENSIVE = re.compile(
    r"(?i)\bhypotensi\w*|\bcollaps\w*|\b(?:went|go|gone|became) floppy\b|\bsyncop\w*"
    r"|\b(?:fainted|passed out|lost consciousness)\b"
)
# A systolic pressure below this is hypotension (World Allergy Organization: under 90 mmHg
# in an adult).
HYPOTENSION_SYSTOLIC = 90
# The flushing and urticaria of histamine in spoiled fish: a scombroid poisoning's.
# A feverish child's hives and faint are an infection's (a viral rash, a febrile fit).
_FEVERISH = re.compile(r"(?i)\b(?:fever\w*|febrile|pyrexi\w*|temperature of)\b")
_FISH = re.compile(r"(?i)\b(?:fish|tuna|mackerel|sardines?|mahi|scombr\w*)\b")


def _low_pressure(text: str) -> str | None:
    for match in _BLOOD_PRESSURE.finditer(text):
        systolic = int(match.group(3) or match.group(1))
        if systolic < HYPOTENSION_SYSTOLIC:
            return match.group(0)
    word = next(
        (m for m in _HYPOTENSIVE.finditer(text) if not denied(text, m.start(), m.end())), None
    )
    return word.group(0) if word else None


def _anaphylaxis(text: str) -> str | None:
    """Urticaria or angioedema with a hypotension (measured, or its collapse), each stated
    and not denied: the World Allergy Organization's criterion of anaphylaxis (a
    questionnaire measures no blood pressure). Not with spoiled fish (a scombroid
    poisoning's histamine) or a fever."""
    if _FISH.search(text) or any(
        not denied(text, m.start(), m.end()) for m in _FEVERISH.finditer(text)
    ):
        return None
    skin = next(
        (m for m in _URTICARIA.finditer(text) if not denied(text, m.start(), m.end())), None
    )
    low = _low_pressure(text) if skin else None
    return f"{skin.group(0)}', '{low}" if skin and low else None


# Laryngospasm at an anaesthetic's end: the airway shut (a stridor or no air moving) as the
# tube or airway device comes out or the child wakes in recovery.
_ANAESTHETIC_END = re.compile(
    r"(?i)\b(?:extubat\w*|emergence|emerging|recovery (?:room|bay|area)|in recovery|PACU"
    r"|airway device\b[^.;\n]{0,20}\bremoved|LMA\b[^.;\n]{0,20}\bremoved"
    r"|laryngeal mask\b[^.;\n]{0,20}\bremoved)"
)
_AIRWAY_SHUT = re.compile(
    r"(?i)\b(?:stridor|crowing|high[- ]pitched (?:\w+ ){0,2}(?:noise|sound|squeak\w*)"
    r"|no air (?:movement|moved|entry)|no air at all|(?:complete|total) (?:upper )?airway "
    r"obstruction|unable to (?:mask[- ])?ventilate|laryngospasm)\b"
)
# A wheeze or a rash under anaesthesia is a bronchospasm's or an anaphylaxis's; a stridor after
# days on a ventilator is a laryngeal oedema's, and after neck surgery a nerve palsy's or a
# haematoma's.
_NOT_LARYNGOSPASM = re.compile(
    r"(?i)\b(?:wheez\w*|urticari\w*|hives|rash|angio-?o?edema|bronchospasm)"
)
_AFTER_VENTILATION = re.compile(
    r"(?i)\b(?:ICU|intensive care|ventilated for|intubated for|thyroidectomy|parathyroid\w*"
    r"|neck (?:ha?ematoma|swelling)|vocal (?:cord|fold) (?:palsy|paralysis))\b"
)


def _laryngospasm(text: str) -> str | None:
    """A shut airway (a stridor, a crowing, no air moving) at an anaesthetic's end, as the
    airway comes out or the patient wakes, without a wheeze or a rash and not after days on
    a ventilator or neck surgery: the laryngospasm of emergence (DDXPlus asks of no
    anaesthetic)."""
    if _AFTER_VENTILATION.search(text):
        return None
    if any(not denied(text, m.start(), m.end()) for m in _NOT_LARYNGOSPASM.finditer(text)):
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_ANAESTHETIC_END, _AIRWAY_SHUT)
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


# A swelling of a limb with its local cause stated: a dihydropyridine calcium-channel blocker's
# ankle oedema, a lymphoedema after lymph nodes were taken out, an insect sting's swelling.
_SWELLING = re.compile(r"(?i)(?<!angio-)(?<!angio)\b(?:o?edema\w*|swell\w*|swollen|puffy|pitting)")
_LOCAL_CAUSE = re.compile(
    r"(?i)\b(?:amlodipine|nifedipine|felodipine|lercanidipine|lacidipine|nicardipine"
    r"|lympho?edema|lymph (?:glands|nodes)\b[^.;\n]{0,30}\b(?:out|removed)\b"
    r"|(?:axillary|inguinal|lymph node) (?:node )?(?:clearance|dissection)"
    r"|stung|(?:bee|wasp|insect) (?:sting|bite)s?)\b"
)
# A heart's, a kidney's, a liver's or a pregnancy's oedema; a clot's or an infection's swollen
# leg; an allergy's swelling.
_SYSTEMIC_OR_INFLAMED = re.compile(
    r"(?i)\b(?:breathless\w*|short of breath|SOB|dyspno?\w*|orthopno\w*|PND|crackles|creps"
    r"|(?:raised|elevated) JVP|JVP (?:is )?(?:raised|elevated)|proteinuria|nephrotic|cirrho\w*"
    r"|ascites|pregnan\w*|red|redness|erythema\w*|warm\w*|hot|(?<!non-)(?<!non)tender\w*"
    r"|fever\w*|febrile|DVT|calf pain|urticari\w*|hives|wheez\w*)\b"
)


def _localized_edema(text: str) -> str | None:
    """A swelling with its local cause stated (a calcium-channel blocker, a lymph-node
    clearance, an insect sting), with no sign of a heart's, kidney's, liver's or pregnancy's
    oedema, of a clot or an infection (redness, warmth, tenderness, fever) or of an allergy:
    the localized oedema DDXPlus asks of, with the cause it does not ask of."""
    if any(not denied(text, m.start(), m.end()) for m in _SYSTEMIC_OR_INFLAMED.finditer(text)):
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_SWELLING, _LOCAL_CAUSE)
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


# A myocarditis: a raised troponin with normal coronary arteries and a globally (not
# regionally) impaired left ventricle.
_TROPONIN_RAISED = re.compile(
    r"(?i)\b(?:troponin|trop|hs-?trop\w*|hs-?Tn[IT]|Tn[IT])\b"
    r"(?![^.;\n]{0,20}\b(?:not|no|normal|negative|neg)\b)[^.;\n]{0,20}?"
    r"(?:\b(?:raised|elevated|high|positive|rising)\b|\b\d,?\d{3}\b|\b[1-9]\d{2}\b)"
)
_NORMAL_CORONARIES = re.compile(
    r"(?i)\b(?:coronar\w*|angiogra\w*)\b[^.;\n]{0,30}?\b(?:normal|unobstructed|unremarkable"
    r"|no (?:significant )?(?:stenos\w*|disease|obstruct\w*|lesions?))\b"
    r"|\b(?:normal|unobstructed|smooth) (?:epicardial )?coronar\w*"
)
_GLOBAL_LV = re.compile(
    r"(?i)\bglobal(?:ly)? (?:\w+ ){0,3}(?:hypokines\w*|dysfunction|impair\w*|reduced)\b"
)
# A takotsubo's regional ballooning after a shock, a Chagas heart's apical aneurysm, a septic
# heart's depression.
_OTHER_MYOCARDIUM = re.compile(
    r"(?i)\b(?:takotsubo|ballooning|apical aneurysm|seps[ie]s|septic|cocaine|amphetamine\w*)"
)


def _myocarditis(text: str) -> str | None:
    """A raised troponin with normal coronary arteries and a globally impaired left
    ventricle, each stated and not denied, and no takotsubo, Chagas aneurysm, sepsis or
    stimulant named: a myocarditis's injury without an infarction's culprit artery (DDXPlus
    measures no troponin and images no heart)."""
    if _OTHER_MYOCARDIUM.search(text):
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_TROPONIN_RAISED, _NORMAL_CORONARIES, _GLOBAL_LV)
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


# A cough fracture of a fragile rib: thin bones, a cough and one tender spot on the chest wall,
# without a fall or a blow.
_FRAGILE_BONES = re.compile(
    r"(?i)\b(?:osteopor\w*|osteopeni\w*|(?:thin|brittle|weak) bones|alendron\w*"
    r"|bisphosphonates?|risedronate|zoledron\w*|denosumab|(?:long[- ]term )?steroids?"
    r"|prednisolone)\b"
)
_POINT_TENDER = re.compile(
    r"(?i)\b(?:point|focal|locali[sz]ed) tenderness\b"
    r"|\btender (?:over|on) (?:a|the|one) (?:\w+ )?rib"
    r"|\b(?:sore|tender|hurts|painful)\b[^.;\n]{0,15}\b(?:if|when) (?:I|you|he|she) "
    r"(?:press|push|touch)\w*|\bput (?:my|a|her|his) finger (?:right )?on it\b"
)
_INJURY = re.compile(
    r"(?i)\b(?:fall|fell|fallen|trauma\w*|injur\w*|accident|blow|hit|bump\w*|RTC|tackled?"
    r"|assault\w*|kicked)\b"
)
_INJURY_DENIED = re.compile(r"(?i)\b(?:didn'?t|did not|never|no|not)\b[^.;,\n]{0,12}$")
# A pneumonia's cough and pain: a fever or crackles.
_CHEST_INFECTION = re.compile(r"(?i)\b(?:fever\w*|febrile|crackles|creps|consolidation|pyrexi\w*)")


def _rib_fracture(text: str) -> str | None:
    """Fragile bones (osteoporosis, a bisphosphonate, long-term steroids), a cough and one
    tender spot on the chest wall, each stated and not denied, without a fall or blow stated
    (a traumatic fracture is no spontaneous one) and without a fever or crackles (a
    pneumonia's pleurisy): the cough fracture of an osteoporotic rib."""
    for m in _INJURY.finditer(text):
        before = text[max(0, m.start() - 24) : m.start()]
        if not (_INJURY_DENIED.search(before) or denied(text, m.start(), m.end())):
            return None
    if any(not denied(text, m.start(), m.end()) for m in _CHEST_INFECTION.finditer(text)):
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_FRAGILE_BONES, _COUGH, _POINT_TENDER)
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


# A groin lump's reducibility and cough impulse in lay words: it goes away lying down, it can
# be pushed back in, it comes out or grows on coughing or straining.
_GROIN = re.compile(r"(?i)\b(?:groin|inguinal)\b")
_REDUCES = re.compile(
    r"(?i)\b(?:goes|went|going) (?:away|down|back(?: in)?)\b[^.;\n]{0,10}\bwhen (?:I|he|she|you)"
    r" (?:lie|lay|lies|am lying|is lying)\b|\bdisappears? (?:\w+ ){0,2}when (?:I|he|she|you)"
    r" (?:lie|lay|lies)\b|\b(?:push|pushes|pop|pops|press|presses) (?:it|the lump|the swelling)"
    r" back in\b|\b(?:bigger|larger|comes out|pops out|sticks out)\b[^.;\n]{0,25}\bwhen (?:I|he"
    r"|she|you) (?:cough|strain|lift|stand)\w*"
)
# A saphena varix also empties lying down; the other hernias are not inguinal.
_NOT_INGUINAL = re.compile(
    r"(?i)\b(?:umbilic\w*|belly ?button|navel|incisional|femoral|paraumbilical|epigastric"
    r"|varicose|varix)\b"
)


def _inguinal_hernia(text: str) -> str | None:
    """A groin lump that goes away lying down, can be pushed back in, or comes out on a
    cough or strain, in the patient's words (the reducible swelling with a cough impulse of
    ``SIGNS``), with no other hernia or a saphena varix named."""
    if _NOT_INGUINAL.search(text):
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_GROIN, _REDUCES)
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


# Framingham's major criteria of a failing heart at the bedside: crackles in both lungs, a
# raised JVP or a third heart sound, and a breathlessness lying flat.
_BOTH_LUNGS_CRACKLE = re.compile(
    r"(?i)\b(?:bilateral|bibasal|bibasilar|diffuse|widespread|both)\b[^.;\n]{0,30}"
    r"\b(?:crackles|creps|crepitations|rales)\b|\b(?:crackles|creps|crepitations|rales)\b"
    r"[^.;\n]{0,30}\b(?:bilaterally|both (?:lung )?(?:bases|sides|lungs|apices)|mid[- ]zones)"
)
_HEART_FILLING = re.compile(
    r"(?i)\b(?:raised|elevated) JVP\b|\bJVP (?:is )?(?:raised|elevated|up)\b|\bS3\b"
    r"|\bthird heart sound\b|\bgallop\b"
)
_LYING_FLAT = re.compile(
    r"(?i)\borthopno\w*|\bPND\b|\bbolt upright\b|\b(?:can'?t|cannot|unable to) lie flat\b"
)
# A pneumonia's fever, an infarction's or a myocarditis's troponin, a COPD's lungs.
_NOT_OEDEMA = re.compile(r"(?i)\b(?:fever\w*|febrile|pyrexi\w*|consolidation|COPD)\b")


def _pulmonary_oedema(text: str) -> str | None:
    """Crackles in both lungs, a raised JVP or a third heart sound, and a breathlessness
    lying flat, each stated and not denied (three of Framingham's major criteria), without
    a fever, a consolidation, a COPD or a raised troponin: a cardiogenic pulmonary oedema."""
    if any(
        not denied(text, m.start(), m.end())
        for m in (*_NOT_OEDEMA.finditer(text), *_TROPONIN_RAISED.finditer(text))
    ):
        return None
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in (_BOTH_LUNGS_CRACKLE, _HEART_FILLING, _LYING_FLAT)
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


_MORE: tuple[tuple[str, str, Callable[[str], str | None]], ...] = (
    (
        "Anaphylaxis",
        "urticaria or angioedema with a low blood pressure or a collapse",
        _anaphylaxis,
    ),
    ("Larygospasm", "a shut airway at an anaesthetic's end", _laryngospasm),
    ("Localized edema", "a swelling with its local cause", _localized_edema),
    (
        "Myocarditis",
        "a raised troponin with normal coronary arteries and a globally impaired ventricle",
        _myocarditis,
    ),
    (
        "Spontaneous rib fracture",
        "a tender spot on the chest wall after a cough in fragile bones",
        _rib_fracture,
    ),
    (
        "Inguinal hernia",
        "a groin lump that goes away lying down or comes out on a cough",
        _inguinal_hernia,
    ),
    (
        "Acute pulmonary edema",
        "crackles in both lungs, a raised JVP or third heart sound and orthopnoea",
        _pulmonary_oedema,
    ),
)
