"""Many renderings of one DDXPlus patient row as the text clinicians write.

Where :func:`knowledge.render_patient` writes one fixed sentence per kind of finding, these
renderings vary what a reader meets in real notes: four voices (terse shorthand, narrative,
SOAP, triage), synonyms and abbreviations (SOB, CP, c/o, hx, "67M"), temperature as a number,
other vitals, shuffled order, omitted findings, negated distractors ("denies CP") and
history that has nothing to do with the case. Seeded: the same row, seed and count give the
same texts. No rendering names the row's condition or shows an evidence code.

Pure module, used to train and calibrate the offline methods; never fed back as evidence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from functools import lru_cache

from panels.offline import knowledge, voices
from panels.offline.lay_words import LAY_WORDS
from panels.offline.vocabulary import NOTE_WORDS as WORDS

STYLES = ("terse", "narrative", "soap", "triage", "patient", "letter", "vignette")
MAX_OMITTED = 0.35  # at most this share of the non-presenting findings is left out
# A questionnaire asks everyone everything; a note is written about the complaint. So a
# rendering leaves out more of what a note often leaves out, lest a method learn to expect
# it: the past history (at most this share of it), and the skin (lesions and their colour,
# place and scales: written with this probability, always when the skin is the complaint).
MAX_HISTORY_OMITTED = 0.6
# Half the renderings are brief, as most notes are: they leave out from MAX_OMITTED up to
# this share of the findings, so a method also learns the few findings a short note states.
BRIEF_OMITTED = 0.8
SKIN_WRITTEN = 0.4
SKIN = "E_129"
# Vitals out of range with the finding they show (a breathless patient's fast breathing or
# low saturation), at these probabilities. A fast pulse is written at random (DDXPlus has no
# such finding): a note's "HR 118" must teach nothing.
FAST_PULSE = 0.15
FAST_BREATHING = 0.4
LOW_SATURATION = 0.3

# Finding groups whose words overlap: none of a group is negated when one of it is present.
_RELATED = (
    {"E_201", "E_77", "E_45", "E_203", "E_202", "E_166"},
    {"E_66", "E_64", "E_67", "E_75", "E_128"},
    {"E_89", "E_88", "E_175", "E_144"},
    {"E_148", "E_211", "E_210", "E_166"},
    {"E_161", "E_32", "E_174", "E_162"},
    {"E_76", "E_82", "E_159"},
    {"E_181", "E_182"},
    {"E_51", "E_140", "E_179"},
)
# Findings a note often denies, in the nouns a denial uses.
DENIED = {
    "E_91": ("fever", "fevers", "pyrexia"), "E_201": ("cough",), "E_66": ("SOB", "dyspnoea"),
    "E_148": ("nausea",), "E_211": ("vomiting", "N/V"), "E_51": ("diarrhoea",),
    "E_129": ("rash",), "E_97": ("sore throat",), "E_94": ("chills", "rigors"),
    "E_45": ("haemoptysis",), "E_155": ("palpitations",), "E_76": ("dizziness",),
    "E_159": ("syncope", "LOC"), "E_214": ("wheeze",), "E_181": ("coryza", "runny nose"),
    "E_50": ("sweats", "night sweats"), "E_162": ("weight loss",), "E_65": ("dysphagia",),
    "E_39": ("confusion",), "E_151": ("leg swelling", "oedema"), "E_53": ("CP", "chest pain"),
}  # fmt: skip
_NEGATORS = ("no {}", "denies {}", "nil {}", "neg for {}", "(-) {}", "no hx of {}")
_NEGATORS_PROSE = ("no {}", "denies {}", "no {} reported", "without {}")
IRRELEVANT = (
    "appendectomy 2009", "hypothyroidism on levothyroxine", "allergic to penicillin", "NKDA",
    "works as an accountant", "lives with partner", "s/p cholecystectomy", "BPH",
    "osteoarthritis of both knees", "cataract surgery last year", "takes vitamin D",
    "tonsillectomy as a child", "broken wrist in 2015", "glasses for reading", "two children",
    "retired teacher", "right-handed", "plays tennis at weekends", "lactose intolerant",
    "hx of kidney stones 10 yrs ago", "vasectomy",
    "sulfa allergy", "on omega-3 supplements", "moved house last month", "has a dog",
)  # fmt: skip
_BLANK = ("N", "NA", "nowhere")
_CHEST = re.compile(r"chest|breast|sternum|scapula|thoracic")
_CHARACTER = {
    "a knife stroke": ("stabbing", "knife-like"), "heavy": ("pressure-like", "heavy"),
    "sensitive": ("tender", "sensitive"), "tugging": ("pulling", "tugging"),
    "a cramp": ("cramping", "crampy"), "a pulse": ("throbbing", "pulsating"),
    "tedious": ("dull", "nagging"), "haunting": ("gnawing", "haunting"),
    "heartbreaking": ("crushing", "heartbreaking"), "violent": ("severe", "violent"),
    "sickening": ("sickening", "nauseating"), "scary": ("frightening", "scary"),
    "exhausting": ("exhausting", "draining"), "sharp": ("sharp",), "burning": ("burning",),
}  # fmt: skip


def render_variants(
    row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, *, seed: int, count: int
) -> list[str]:
    """``count`` different texts for ``row``, the same for the same row and seed."""
    if count < 0:
        raise ValueError("count must be zero or more")
    return [_variant(row, kb, seed, i) for i in range(count)]


# The text classifiers of an evaluation's folds and the calibrators of its members render
# mostly the same rows with the same seeds: render each (row, seed, variant) once per
# process. About 14 000 texts for the demo panel's five folds (a few megabytes).
@lru_cache(maxsize=32768)
def _variant(row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, seed: int, i: int) -> str:
    """Text ``i`` of ``row`` under ``seed``: the ``i``-th of :func:`render_variants`."""
    key = f"{row.age}{row.sex}|{row.initial}|{','.join(row.evidences)}"
    rng = random.Random(f"{seed}|{i}|{key}")
    # Consecutive styles from a per-row start: one row's variants differ in voice, and a
    # classifier trained on a few variants per row still meets every voice.
    start = random.Random(f"{seed}|{key}").randrange(len(STYLES))
    return _render(row, kb, rng, STYLES[(start + i) % len(STYLES)])


def _render(
    row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, rng: random.Random, style: str
) -> str:
    terse = style in ("terse", "triage")
    present = set(row.evidences)
    symptoms: list[str] = []
    history: list[str] = []
    complaint = ""
    fever = "E_91" in present
    brief = rng.random() < 0.5
    omit = rng.uniform(MAX_OMITTED, BRIEF_OMITTED) if brief else rng.uniform(0, MAX_OMITTED)
    omit_history = rng.uniform(0, MAX_HISTORY_OMITTED)
    skin = row.initial == SKIN or rng.random() < SKIN_WRITTEN
    for token in row.evidences:
        evidence = kb.evidences[token.partition("_@_")[0]]
        if "_@_" in token or token == "E_53":
            continue  # pain, rash, swelling and travel are written from their values below
        if not skin and SKIN in (evidence.code, evidence.parent):
            continue
        words = _words(token, rng, terse=terse)
        if token == row.initial:
            complaint = words
        elif evidence.is_antecedent:
            if rng.random() >= omit_history:
                history.append(words)
        elif rng.random() >= omit:
            symptoms.append(words)
    pain = _pain(row, kb, rng, terse=terse)
    if row.initial == "E_53" or not complaint:
        complaint, pain = (pain, "") if pain else (complaint or "feeling unwell", pain)
    extras = [*(_rash(row, kb, rng) if skin else []), *_swelling(row, kb, rng, terse=terse)]
    symptoms.extend(e for e in extras if rng.random() >= omit)
    travel = _travel(row, kb, rng, terse=terse)
    negatives = _negatives(present, rng, terse=terse)
    noise = rng.sample(IRRELEVANT, rng.randint(0, 3))
    rng.shuffle(symptoms)
    rng.shuffle(history)
    vitals = _vitals(rng, fever=fever, breathless="E_66" in present, terse=terse)
    person = _person(row.age, row.sex, rng, terse=terse)
    duration = rng.choice(("", "", " x3d", " for 2 days", " for a week", " since yesterday"))
    parts = _Parts(person, complaint + duration, symptoms, pain, history + noise, travel)
    if style == "terse":
        return _terse(parts, negatives, vitals, rng)
    if style == "narrative":
        return _narrative(parts, negatives, vitals, row.sex, rng)
    if style == "soap":
        return _soap(parts, negatives, vitals, rng)
    if style == "patient":
        return voices.patient(parts, negatives, vitals, row.age, row.sex, rng)
    if style == "letter":
        return voices.letter(parts, negatives, vitals, row.sex, rng)
    if style == "vignette":
        return voices.vignette(parts, negatives, vitals, row.sex, rng)
    return _triage(parts, negatives, vitals, rng)


class _Parts:
    def __init__(
        self,
        person: str,
        complaint: str,
        symptoms: list[str],
        pain: str,
        history: list[str],
        travel: str,
    ) -> None:
        self.person, self.complaint, self.symptoms = person, complaint, symptoms
        self.pain, self.history, self.travel = pain, history, travel


def _words(token: str, rng: random.Random, *, terse: bool) -> str:
    phrase = knowledge.PHRASES.get(token, token)
    choices = (*WORDS.get(token, ()), *_synonyms().get(token, ()))
    if not choices:
        return phrase
    if terse:
        return choices[0] if rng.random() < 0.5 else rng.choice(choices)
    return rng.choice((*choices[1:], phrase) if len(choices) > 1 else (*choices, phrase))


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    """The words extraction reads as one finding alone (``knowledge.SYNONYMS``), per
    finding: the renderings write every way of saying a finding that a member reads, except
    the lay wordings of :mod:`panels.offline.lay_words`, which are read and not written (with
    them in the renderings, the text classifier and the calibration it is fitted on moved: on
    the development pool one more out-of-scope note was decided, the classifier's top-1 fell
    from 260 to 257)."""
    found: dict[str, list[str]] = {}
    for words, tokens in knowledge.SYNONYMS.items():
        if len(tokens) == 1 and words not in LAY_WORDS:
            found.setdefault(tokens[0], []).append(words)
    return {token: tuple(sorted(words)) for token, words in found.items()}


def _person(age: int, sex: str, rng: random.Random, *, terse: bool) -> str:
    woman = sex.upper() == "F"
    letter = "F" if woman else "M"
    if age < 18:
        noun = "girl" if woman else "boy"
        if age < 1:
            return rng.choice((f"infant {noun}", f"baby {noun}, under 1 year"))
        return rng.choice((f"{age}-year-old {noun}", f"{age}yo {noun}", f"{age} y/o {noun}"))
    if terse:
        return rng.choice(
            (f"{age}{letter}", f"{age} yo {letter}", f"{letter}, {age}", f"{age}y/o {letter}")
        )
    noun = rng.choice(("woman", "female", "lady")) if woman else rng.choice(("man", "male"))
    return rng.choice((f"{age}-year-old {noun}", f"{age} year old {noun}", f"{noun} aged {age}"))


def _join(words: Sequence[str], rng: random.Random) -> str:
    if len(words) <= 1:
        return "".join(words)
    glue = rng.choice((", ", ", ", "; "))
    return glue.join(words[:-1]) + rng.choice((" and ", ", ")) + words[-1]


def _values(row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, code: str) -> list[str]:
    evidence = kb.evidences[code]
    found = []
    for token in row.evidences:
        own, _, value = token.partition("_@_")
        meaning = evidence.values.get(value)
        if own == code and value and value != evidence.default and meaning not in _BLANK:
            found.append(knowledge.value_text(evidence, value))
    return found


def _scale(row: knowledge.PatientRow, code: str) -> int | None:
    for token in row.evidences:
        own, _, value = token.partition("_@_")
        if own == code and value.isdigit() and value != "0":
            return int(value)
    return None


def _places(places: list[str], rng: random.Random, *, terse: bool) -> list[str]:
    """Sided places, a pair of sides written as one bilateral place, sides abbreviated."""
    result = []
    for place in places:
        side, _, bare = place.partition(" ")
        if side not in ("right", "left"):
            result.append(place)
            continue
        other = ("left " if side == "right" else "right ") + bare
        if other in places:
            if side == "right":
                plural = (f"both {bare}s", f"{bare}s") if " " not in bare else ()
                result.append(rng.choice((*plural, f"bilateral {bare}", f"{bare}, both sides")))
            continue
        short = {"right": ("R", "rt"), "left": ("L", "lt")}[side] if terse else (side,)
        result.append(f"{rng.choice(short)} {bare}")
    return result


def _pain(
    row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, rng: random.Random, *, terse: bool
) -> str:
    places = _places(_values(row, kb, "E_55"), rng, terse=terse)
    if "E_53" not in row.evidences and not places:
        return ""
    keep = max(1, len(places) - rng.randint(0, len(places) // 2)) if places else 0
    places = rng.sample(places, keep)
    characters = [rng.choice(_CHARACTER.get(c, (c,))) for c in _values(row, kb, "E_54")]
    characters = rng.sample(characters, min(len(characters), rng.randint(0, 3)))
    if terse and places and all(_CHEST.search(p) for p in places) and rng.random() < 0.6:
        text = " ".join([*characters, "CP"]) + f" ({', '.join(places)})"
    elif places:
        lead = " ".join([*characters, "pain"])
        text = f"{lead} in the {_join(places, rng)}" if not terse else f"{lead} {', '.join(places)}"
    else:
        text = " ".join([*characters, "pain"])
    radiation = _places(_values(row, kb, "E_57"), rng, terse=terse)
    if radiation and rng.random() < 0.8:
        text += rng.choice((" radiating to the ", " rad to ", " -> ", ", radiates to "))
        text += _join(radiation, rng)
    intensity = _scale(row, "E_56")
    if intensity and rng.random() < 0.85:
        text += rng.choice(
            (
                f", {intensity}/10",
                f", severity {intensity}/10",
                f" ({intensity}/10)",
                f", rated {intensity} out of 10",
            )
        )
    onset = _scale(row, "E_59")
    if onset and rng.random() < 0.6:
        text += ", sudden onset" if onset >= 8 else ", gradual onset" if onset <= 3 else ""
    where = _scale(row, "E_58")
    if where and rng.random() < 0.4:
        text += ", well localised" if where >= 7 else ", poorly localised" if where <= 3 else ""
    return text


def _rash(row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, rng: random.Random) -> list[str]:
    places = _values(row, kb, "E_133")
    colours = _values(row, kb, "E_130")
    if not places and not colours:
        return []
    text = " ".join([*colours[:1], rng.choice(("rash", "skin lesions", "eruption"))])
    if places:
        text += " on the " + _join(_places(places, rng, terse=False), rng)
    itch, swelling, sore = _scale(row, "E_136"), _scale(row, "E_132"), _scale(row, "E_134")
    if itch:
        text += f", itchy ({itch}/10)" if rng.random() < 0.5 else ", very itchy" * (itch >= 5)
    if swelling and swelling >= 5:
        text += ", raised and swollen"
    if sore:
        text += f", painful {sore}/10"
    if "E_131_@_V_12" in row.evidences:
        text += ", peeling"
    if "E_135_@_V_12" in row.evidences:
        text += ", lesions > 1 cm"
    return [text]


def _swelling(
    row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, rng: random.Random, *, terse: bool
) -> list[str]:
    places = _places(_values(row, kb, "E_152"), rng, terse=terse)
    if not places:
        return []
    where = _join(places, rng)
    return [rng.choice((f"swelling of the {where}", f"swollen {where}", f"{where} oedema"))]


def _travel(
    row: knowledge.PatientRow, kb: knowledge.KnowledgeBase, rng: random.Random, *, terse: bool
) -> str:
    places = _values(row, kb, "E_204")
    if not places:
        return rng.choice(("", "", "no recent travel", "no travel abroad"))
    where = _join(places, rng)
    if terse:
        return rng.choice(
            (f"travel hx: {where}", f"recent travel to {where}", f"back from {where} 2 wks ago")
        )
    return rng.choice((f"recently travelled to {where}", f"returned from {where} last week"))


def _negatives(present: set[str], rng: random.Random, *, terse: bool) -> list[str]:
    blocked = set(present)
    for group in _RELATED:
        if group & present:
            blocked |= group
    pool = [t for t in DENIED if t not in blocked]
    chosen = rng.sample(pool, min(len(pool), rng.choice((0, 1, 1, 2, 2, 3))))
    forms = _NEGATORS if terse else _NEGATORS_PROSE
    return [rng.choice(forms).format(rng.choice(DENIED[t])) for t in chosen]


def _vitals(rng: random.Random, *, fever: bool, breathless: bool, terse: bool) -> list[str]:
    """Temperature as a number (38 °C or more only for a row with fever); a fast breath rate
    or low saturation sometimes with breathlessness, as notes write them; a fast pulse now
    and then, whatever the row; other vitals in normal ranges, since DDXPlus states none;
    each may be missing."""
    celsius = rng.uniform(38.1, 40.2) if fever else rng.uniform(36.2, 37.4)
    fahrenheit = celsius * 9 / 5 + 32
    temperature = rng.choice(
        (f"T {celsius:.1f}", f"temp {celsius:.1f} C", f"T {fahrenheit:.1f}F", f"{celsius:.1f}°C")
        if terse
        else (f"temperature {celsius:.1f} °C", f"temperature {fahrenheit:.1f} °F")
    )
    pulse = rng.randint(101, 128) if rng.random() < FAST_PULSE else rng.randint(62, 98)
    fast = breathless and rng.random() < FAST_BREATHING
    breaths = rng.randint(21, 30) if fast else rng.randint(12, 19)
    low = breathless and rng.random() < LOW_SATURATION
    saturation = rng.randint(86, 93) if low else rng.randint(95, 99)
    others = [
        f"HR {pulse}" if terse else f"heart rate {pulse}",
        f"BP {rng.randint(108, 142)}/{rng.randint(64, 88)}",
        f"RR {breaths}" if terse else f"respiratory rate {breaths}",
        f"{rng.choice(('SpO2', 'sats', 'SpO2'))} {saturation}%"
        + rng.choice(("", " RA", " on room air")),
    ]
    kept = [v for v in others if rng.random() < 0.6]
    return [temperature, *kept] if rng.random() < (0.8 if fever else 0.5) else kept


def _terse(parts: _Parts, negatives: list[str], vitals: list[str], rng: random.Random) -> str:
    lead = f"{parts.person} {rng.choice(('c/o', 'w/', 'presents with', 'c/o'))} {parts.complaint}"
    pieces = [", ".join(parts.symptoms), parts.pain, ", ".join(vitals), parts.travel]
    if parts.history:
        pieces.append(rng.choice(("PMH: ", "Hx ", "hx of ", "PMHx ")) + ", ".join(parts.history))
    if negatives:
        pieces.append(", ".join(negatives))
    rng.shuffle(pieces)
    return " ".join(s for s in (voices.sentence(lead), *map(voices.sentence, pieces)) if s)


def _narrative(
    parts: _Parts, negatives: list[str], vitals: list[str], sex: str, rng: random.Random
) -> str:
    she = voices.pronoun(sex)
    lines = [f"{voices.article(parts.person)} {parts.person} presents with {parts.complaint}"]
    if parts.symptoms:
        verb = rng.choice(("also reports", "mentions", "describes"))
        lines.append(f"{she} {verb} {_join(parts.symptoms, rng)}")
    if parts.pain:
        lines.append(f"{she} describes {parts.pain}")
    if parts.history:
        lines.append(f"{she} has a history of {_join(parts.history, rng)}")
    if parts.travel:
        lines.append(
            f"{she} {parts.travel}" if parts.travel.startswith(("recent", "ret")) else parts.travel
        )
    if negatives:
        lines.append(_join(negatives, rng))
    if vitals:
        lines.append("On examination " + ", ".join(vitals))
    head, tail = lines[:1], lines[1:]
    rng.shuffle(tail)
    return " ".join(voices.sentence(line) for line in head + tail)


def _soap(parts: _Parts, negatives: list[str], vitals: list[str], rng: random.Random) -> str:
    subjective = [f"{parts.person}, {parts.complaint}", *parts.symptoms, parts.pain]
    subjective += [parts.travel, *negatives]
    rng.shuffle(subjective[1:])
    lines = ["S: " + "; ".join(s for s in subjective if s) + "."]
    if parts.history:
        lines.append("PMH: " + ", ".join(parts.history) + ".")
    lines.append("O: " + (", ".join(vitals) if vitals else "alert, comfortable at rest") + ".")
    lines.append(rng.choice(("A/P: workup pending.", "A: ?", "P: review with results.")))
    return "\n".join(lines)


def _triage(parts: _Parts, negatives: list[str], vitals: list[str], rng: random.Random) -> str:
    lines = [f"Triage: {parts.person}. CC: {parts.complaint}."]
    details = [*parts.symptoms, parts.pain, parts.travel]
    if any(details):
        lines.append("HPI: " + ", ".join(d for d in details if d) + ".")
    if vitals:
        lines.append("Vitals: " + ", ".join(vitals) + ".")
    if parts.history:
        lines.append("PMH: " + ", ".join(parts.history) + ".")
    if negatives:
        lines.append("ROS: " + ", ".join(negatives) + ".")
    return " ".join(lines) if rng.random() < 0.5 else "\n".join(lines)
