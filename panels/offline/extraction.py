"""Read a clinician's text: the DDXPlus findings it states, each with the words it came from,
what it states as absent, what it attributes to relatives or to the past, and the clinical words
the knowledge base cannot weigh.

Shorthand is expanded first (``vocabulary.SHORTHAND``: "67M", "SOB", "c/o", "hx"), vital signs
become findings (T >= 38 °C / 100.4 °F fever, SpO2 < 94 % and RR > 20 breathlessness; HR > 100
is shown as tachycardia, not weighed: DDXPlus has no such finding), then phrases are matched
longest first against the knowledge base's lexicon.
Negation, family and history context come from negspacy (``panels.offline.context``: NegEx
over a blank spaCy English pipeline, rule-based, no model): its clinical negation termset plus
our family, history and hypothetical cues, scoped to clauses. Pure: no Django, no network.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from panels.offline import literals, once, signs
from panels.offline.context import contexts
from panels.offline.cues import SMOKING_NOT_TOBACCO
from panels.offline.knowledge import (
    NUMERIC_LABELS,
    QUESTIONNAIRE_COMPLETE,
    Evidence,
    KnowledgeBase,
    extract_demographics,
    stated,
)
from panels.offline.notes import (
    FAMILY_FINDINGS,
    FAMILY_WORDS,
    INHALERS,
    SHORTHAND,
    SIDES,
)
from panels.offline.outside import INVESTIGATIONS, UNWEIGHED
from panels.offline.places import (
    LISTED_ONLY,
    VALUE_CONTEXTS,
    WORD,
    characters,
    consume,
    listed,
    normal,
    normal_word,
    pains,
    swellings,
    value_names,
)
from panels.offline.vocabulary import NOTE_WORDS, PHRASES, SYNONYMS
from panels.offline.wording import NEUTRAL

__all__ = ["Finding", "Reading", "extract_demographics", "extract_findings", "read"]

# Clauses end at sentence punctuation (not a decimal point) and at words that start a new
# statement, so "no fever but cough" negates only the fever.
_CLAUSE = re.compile(
    r"(?<!\d)\.|\.(?!\d)|[;!?\n]+|\b(?:but|however|although|though|except|reports?|complains?)\b",
    re.IGNORECASE,
)
# Words that look clinical by their ending (-itis, -uria, -aemia ...) though no list names them.
_CLINICAL_SUFFIX = re.compile(
    r"^[a-z]{3,}(?:itis|uria|aemia|emia|osis|ectomy|otomy|algia|megaly|penia|plegia|paresis"
    r"|rrhoea|pathy|ptysis|phasia|cele|oma|aemic|uric)$"
)
_INSTRUCTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompt|rules?|above)\b"
    r"|\byou are (?:now|a)\b|\b(?:answer|respond|output|say|reply)\b.{0,30}\b(?:with|only)\b"
    r"|\bsystem prompt\b"
)
_Match = signs.Match
# A text written about a relative who is the patient ("My mother is 81 and ...", "I'm writing
# for my dad who is 68"): that relative's word is the patient, not a family-history cue.
_PROXY_WORDS = (
    r"mother|mum|mom|father|dad|son|daughter|husband|wife|partner"
    r"|grandmother|grandfather|gran|nan|grandad|brother|sister"
)
# ... or opening the text with their age ("Dad is 69, he has smoked since he was 14", "my 14
# year old son woke with ..."); "his
# mother, who has asthma" is a relative's history ("my dad, who is 68, ..." is about him).
_PROXY = re.compile(
    rf"(?i)\b(?:my|our|her|his) ({_PROXY_WORDS})\b(?=,(?! who (?!is\b))| is\b| who is\b| aged\b)"
    rf"|^\W*({_PROXY_WORDS})\b(?= is \d|, \d| aged \d)"
    rf"|\b(?:my|our) \d+[- ]?(?:years?|yrs?|months?|weeks?)[- ]old ({_PROXY_WORDS})\b"
)
# COPD (E_123, E_31) or smoking (E_79 current, E_191 former): an inhaler is not read as asthma.
_COPD_CONTEXT = frozenset({"E_123", "E_31", "E_79", "E_191"})
_INHALER_NAMES = frozenset(normal(words).strip() for words in INHALERS)
# A parent calling or writing about their child: the note is the child's ("Dad calling re son
# 9y", "mum phoning about her daughter"); both the caller and the child are masked.
_CALLER = re.compile(
    r"(?i)\b(mother|mum|mom|father|dad|parent|grandmother|grandfather|gran|nan|grandad)"
    r" (?:calling|ringing|phoning|rang|called|phoned|writing|on the phone)"
    r" (?:re|about|regarding|for|on behalf of) (?:her |his |their )?"
    r"(son|daughter|child|baby|boy|girl|grandson|granddaughter)\b"
)


@dataclass(frozen=True)
class Finding:
    """A knowledge-base finding token and the words of the text it was read from."""

    token: str
    source: str


@dataclass(frozen=True)
class Reading:
    """What a text says, as far as the knowledge base can tell.

    ``present`` / ``absent``: findings stated as present or denied; ``set_aside``: findings
    that belong to relatives, to the past or to a hypothesis, with why (``"fever (family)"``);
    ``unweighed``: clinical words the knowledge base has no finding for, as written;
    ``investigations``: tests named (understood, not weighed); ``vitals``: vital signs read,
    in words; ``instruction``: the text addresses the model instead of describing a patient;
    ``closed``: the text says it is a full questionnaire (``QUESTIONNAIRE_COMPLETE``), so
    what it does not list is absent, where a note's silence is not.
    """

    present: tuple[Finding, ...]
    absent: tuple[Finding, ...]
    set_aside: tuple[str, ...]
    unweighed: tuple[str, ...]
    investigations: tuple[str, ...]
    vitals: tuple[str, ...]
    age: int | None
    sex: str | None
    instruction: bool
    closed: bool = False

    @property
    def tokens(self) -> frozenset[str]:
        """The tokens of the present findings."""
        return frozenset(f.token for f in self.present)

    @property
    def absent_tokens(self) -> frozenset[str]:
        return frozenset(f.token for f in self.absent) - self.tokens


@lru_cache(maxsize=1)
def _shorthand() -> tuple[tuple[literals.Checked, str], ...]:
    """``SHORTHAND`` compiled once (more patterns than ``re`` keeps in its own cache), each
    with the strings its matches need (``literals``): most match nothing in a text."""
    return tuple(
        (literals.checked(re.compile(pattern)), replacement) for pattern, replacement in SHORTHAND
    )


def expand(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with shorthand expanded, and for each character of the result the span of
    ``text`` it came from (so quotes show the clinician's own words)."""
    out, origin = text, [(i, i + 1) for i in range(len(text))]
    folded = literals.fold(out)
    for checked, replacement in _shorthand():
        if not checked.may_match(folded):
            continue
        found = list(checked.pattern.finditer(out))
        if not found:
            continue
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        at = 0
        for match in found:
            pieces.append(out[at : match.start()])
            spans.extend(origin[at : match.start()])
            new = match.expand(replacement)
            for mark, side in SIDES.items():
                new = new.replace(mark, side)
            source = (origin[match.start()][0], origin[match.end() - 1][1])
            pieces.append(new)
            spans.extend([source] * len(new))
            at = match.end()
        pieces.append(out[at:])
        spans.extend(origin[at:])
        out, origin = "".join(pieces), spans
        folded = literals.fold(out)
    return out, origin


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
        words = [w for w in normal(part).split() if w not in ("a", "an", "any", "the")]
        if (
            1 <= len(words) <= 3
            and not {"you", "your", "they", "their"} & set(words)
            and words[0] not in _NOT_ALIAS_START
            and " ".join(words) not in _NOT_ALIASES
        ):
            aliases.append(" ".join(words))
    return aliases


@lru_cache(maxsize=8)
def _lexicon(kb: KnowledgeBase) -> tuple[tuple[str, frozenset[str], str], ...]:
    """(normalised phrase, findings, kind) triples, longest phrase first so that "whooping
    cough" is consumed before "cough" can match inside it. Kinds: "finding", "family-word"
    (a relative's condition), "unweighed" (clinical, no KB finding), "investigation"."""
    entries: dict[str, tuple[frozenset[str], str]] = {}
    for token, choices in NOTE_WORDS.items():  # the lowest priority: any list below wins
        for words in choices:
            if _readable_note_word(words) and token in kb.evidences:
                entries[normal(words).strip()] = (frozenset({token}), "finding")
    for words in UNWEIGHED:
        entries[normal(words).strip()] = (frozenset(), "unweighed")
    for words in INVESTIGATIONS:
        entries[normal(words).strip()] = (frozenset(), "investigation")
    for words in SMOKING_NOT_TOBACCO:  # "smokes cannabis" is no cigarette smoking
        entries[normal(words).strip()] = (frozenset(), "unweighed")
        for tobacco in ("tobacco", "cigarettes"):  # ... unless tobacco is smoked too
            entries[normal(f"{words} and {tobacco}").strip()] = (frozenset({"E_79"}), "finding")
    for words in NEUTRAL:
        entries[normal(words).strip()] = (frozenset(), "neutral")
    for words, token in FAMILY_WORDS.items():
        entries[normal(words).strip()] = (frozenset({token}), "family-word")
    owners: dict[str, set[str]] = {}
    for evidence in kb.evidences.values():
        if evidence.data_type == "B":
            for alias in _question_aliases(evidence):
                owners.setdefault(alias, set()).add(evidence.code)
    for alias, codes in owners.items():
        if len(codes) == 1 and len(alias) > 3:  # an alias two questions share says nothing
            entries[alias] = (frozenset(codes), "finding")
    for phrase, tokens in SYNONYMS.items():
        entries[normal(phrase).strip()] = (frozenset(tokens), "finding")
    for token, phrase in PHRASES.items():
        # a synonym's findings stay with the phrase's ("chest pain at rest" is a chest pain)
        known, _ = entries.get(normal(phrase).strip(), (frozenset(), ""))
        entries[normal(phrase).strip()] = (known | {token}, "finding")
    ranked = sorted(entries.items(), key=lambda item: (-len(item[0]), item[0]))
    return tuple((phrase, tokens, kind) for phrase, (tokens, kind) in ranked)


@lru_cache(maxsize=8)
def _by_first_word(kb: KnowledgeBase) -> dict[str, tuple[int, ...]]:
    """For each word, the positions in ``_lexicon(kb)`` of the phrases that start with it. A
    phrase matches only as whole words, so a clause without its first word cannot match it:
    a clause tries a few dozen phrases, not the whole lexicon (most of the reading time)."""
    index: dict[str, list[int]] = {}
    for at, (phrase, _, _) in enumerate(_lexicon(kb)):
        index.setdefault(phrase.split(" ")[0], []).append(at)
    return {word: tuple(positions) for word, positions in index.items()}


def _readable_note_word(words: str) -> bool:
    """Whether extraction reads a ``NOTE_WORDS`` phrase: not an upper-case abbreviation
    ("RA" is also room air, "HF" and "CF" are ambiguous; the safe ones are in
    ``SHORTHAND``), not a number ("BMI 36"), and not a word of three letters or fewer."""
    return not (
        any(c.isdigit() for c in words)
        or any(w.isupper() and len(w) > 1 for w in re.findall(r"[A-Za-z+]+", words))
        or len(normal(words).strip()) <= 3
    )


def extract_findings(text: str, *, kb: KnowledgeBase) -> set[str]:
    """The DDXPlus findings stated as present in ``text`` (see :func:`read`)."""
    return set(read(text, kb=kb).tokens)


def read(text: str, *, kb: KnowledgeBase) -> Reading:
    """Everything :class:`Reading` holds for ``text``; cached per text and knowledge base."""
    return _read(text, kb)


@once.once_per_key(maxsize=4096)
def _read(text: str, kb: KnowledgeBase) -> Reading:
    vital_matches, vital_words, blanked = signs.vitals(text)
    expanded, origin = expand(blanked)
    bounds = [0]
    matches: list[_Match] = []
    at = 0
    for cut in [*_CLAUSE.finditer(expanded), None]:
        end = cut.start() if cut else len(expanded)
        matches.extend(_clause_matches(kb, expanded, at, end))
        at = cut.end() if cut else end
        bounds.append(at)
    # Exposures are read in context like any finding: "no travel to Liberia" states none,
    # "her husband returned from Guinea" is a relative's.
    matches.extend(signs.exposures(expanded))
    flags = contexts(_patient_named(expanded), matches, bounds)

    def quote(match: _Match) -> str:
        return text[origin[match.start][0] : origin[match.end - 1][1]].strip()

    present: list[Finding] = []
    absent: list[Finding] = []
    set_aside: list[str] = []
    unweighed: list[str] = []
    investigations: list[str] = []
    for match in vital_matches:
        target = absent if match.kind == "absent" else present
        target.extend(Finding(t, text[match.start : match.end].strip()) for t in match.tokens)
    for match, context in zip(matches, flags, strict=True):
        words = quote(match)
        if match.kind == "neutral":
            continue
        if match.kind == "investigation":
            investigations.append(words)
        elif match.kind == "unweighed":
            if "negex" not in context and "family" not in context:
                unweighed.append(words)
        elif "family" in context:
            relatives = _family_tokens(match)
            present.extend(Finding(t, words) for t in relatives)
            if not relatives:
                set_aside.append(f"'{words}' (a relative's, not the patient's)")
        elif match.kind == "family-word":
            continue
        elif "hypothetical" in context:
            set_aside.append(f"'{words}' (hypothetical)")
        elif "belief" in context:
            set_aside.append(f"'{words}' (feared or believed, not found)")
        elif "negex" in context:
            absent.extend(Finding(t, words) for t in match.tokens)
        else:
            present.extend(Finding(t, words) for t in match.tokens)
    present = _radiating_somewhere(_chest_pain_at_rest(_inhalers_read(present), kb), absent)
    present = _leaning_forward(present, kb)
    if any(f.token.startswith(("E_55_@_", "E_56_@_")) for f in present):
        first = next(f for f in present if f.token.startswith(("E_55_@_", "E_56_@_")))
        present.append(Finding("E_53", first.source))  # a located or scored pain is pain
    age, sex = extract_demographics(expanded)
    return Reading(
        present=tuple(dict.fromkeys(present)),
        absent=tuple(dict.fromkeys(absent)),
        set_aside=tuple(dict.fromkeys(set_aside)),
        unweighed=tuple(dict.fromkeys(unweighed)),
        investigations=tuple(dict.fromkeys(investigations)),
        vitals=tuple(vital_words),
        age=age,
        sex=sex,
        instruction=bool(_INSTRUCTION.search(text)),
        closed=QUESTIONNAIRE_COMPLETE.casefold() in " ".join(text.casefold().split()),
    )


def _patient_named(text: str) -> str:
    """``text`` with the word for the relative it is written about masked (same length), when
    its first sentence names one as the subject; else ``text``."""
    first = _CLAUSE.split(text, maxsplit=1)[0]
    proxy = _PROXY.search(first) or _CALLER.search(first)
    if not proxy:
        return text
    for name in proxy.groups():
        if name:
            word = re.compile(rf"(?i)\b{name}\b")
            text = word.sub(lambda m: "x" * len(m.group()), text)
    return text


def _inhalers_read(present: list[Finding]) -> list[Finding]:
    """``present`` without the asthma (E_124) read from an inhaler's name when the note states
    COPD or smoking: a smoker's or a COPD patient's reliever may be the COPD's treatment."""
    if not any(f.token in _COPD_CONTEXT for f in present):
        return present
    return [f for f in present if not (f.token == "E_124" and _is_inhaler(f.source))]


def _chest_pain_at_rest(present: list[Finding], kb: KnowledgeBase) -> list[Finding]:
    """``present`` without chest pain at rest (E_14) when no pain of the chest is read: "at
    rest" with no pain ("short of breath even at rest") or with a pain placed elsewhere ("leg
    pain at rest") is not a chest pain. A pain anywhere in the chest (its region,
    ``knowledge.stated``) or unplaced ("crushing pain, came on at rest") keeps it, and so
    does angina (E_105: "known angina, an episode at rest")."""
    tokens = frozenset(f.token for f in present)
    places = frozenset(t for t in tokens if t.startswith("E_55_@_"))
    pain = "E_53" in tokens or bool(places)  # a placed pain is a pain (E_53 is added after)
    if "E_105" in tokens or (pain and (not places or "E_55_@_chest" in stated(places, kb))):
        return present
    return [f for f in present if f.token != "E_14"]


def _leaning_forward(present: list[Finding], kb: KnowledgeBase) -> list[Finding]:
    """``present`` with a chest pain's relief on leaning forward read as the knowledge base
    codes a pericarditis' positional pain, worse lying down and relieved by sitting up
    (E_217): its "pain that improves when you lean forward" (E_33) is epiglottitis' alone, a
    throat's pain."""
    tokens = frozenset(f.token for f in present)
    if "E_33" not in tokens or "E_55_@_chest" not in stated(tokens, kb):
        return present
    return [Finding("E_217", f.source) if f.token == "E_33" else f for f in present]


_NOWHERE = "E_57_@_V_123"  # a pain that radiates nowhere


def _radiating_somewhere(present: list[Finding], absent: list[Finding]) -> list[Finding]:
    """``present`` without "radiates nowhere" when a place of radiation is read, present or
    denied: "doesn't radiate to the jaw" names a place."""
    if any(f.token.startswith("E_57_@_") for f in (*present, *absent) if f.token != _NOWHERE):
        return [f for f in present if f.token != _NOWHERE]
    return present


def _is_inhaler(words: str) -> bool:
    return normal(words).strip() in _INHALER_NAMES


def _family_tokens(match: _Match) -> list[str]:
    if match.phrase in FAMILY_WORDS:
        return [FAMILY_WORDS[match.phrase]]
    return [t for token in match.tokens for t in FAMILY_FINDINGS.get(token, ())]


@lru_cache(maxsize=1)
def _numeric_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(code, pattern) of each 0-10 scale as a clause states it ("pain intensity 7/10")."""
    patterns = []
    for code, label in NUMERIC_LABELS.items():
        after = "(?<!rash )" if code == "E_56" else ""
        patterns.append((code, re.compile(rf"{after}{normal(label).strip()} (\d+)/10")))
    return tuple(patterns)


def _clause_matches(kb: KnowledgeBase, text: str, start: int, end: int) -> list[_Match]:
    """Every phrase matched in ``text[start:end]``, with offsets into ``text``."""
    words = [
        (m.start() + start, m.end() + start, normal_word(m.group()))
        for m in WORD.finditer(text[start:end].casefold().replace("é", "e"))
    ]
    if not words:
        return []
    clause = " " + " ".join(w for _, _, w in words) + " "
    positions = []  # where each word starts in ``clause``
    position = 1
    for _, _, word in words:
        positions.append(position)
        position += len(word) + 1

    def span(position: int, length: int) -> tuple[int, int]:
        first = bisect.bisect_right(positions, position) - 1
        last = bisect.bisect_left(positions, position + length) - 1
        return words[max(first, 0)][0], words[max(last, first, 0)][1]

    found: list[_Match] = []
    # Listed values and scales first, blanking what they used so that "a knife stroke" or
    # "rash swelling 3/10" cannot also read as a stroke or a swelling.
    for code, context in VALUE_CONTEXTS.items():
        for match in list(re.finditer(context, clause)):
            segment = clause[match.end() - 1 :]
            rest = None  # the clause after a rash's or a swelling's listed places
            if code in LISTED_ONLY:
                cut = listed(kb, code, segment)
                segment, rest = segment[:cut] + " ", segment[cut:]
            for name, values in value_names(kb, code):
                segment, starts = consume(segment, name)
                tokens = frozenset(f"{code}_@_{v}" for v in values)
                for s in starts:
                    first, last = span(match.start(), 1)[0], span(match.end() + s, len(name))[1]
                    found.append(_Match(tokens, first, last))
            clause = clause[: match.end() - 1] + (segment if rest is None else segment[:-1] + rest)
    clause = swellings(kb, clause, span, found)
    pains(kb, clause, span, found, text=text)
    clause = characters(kb, clause, span, found)
    for code, pattern in _numeric_patterns():
        for match in list(pattern.finditer(clause)):
            clause = clause[: match.start()] + "#" * len(match.group()) + clause[match.end() :]
            if match.group(1) != "0":
                s, e = span(match.start(), len(match.group()))
                found.append(_Match(frozenset({f"{code}_@_{int(match.group(1))}"}), s, e))
    # Longest first as in the lexicon; blanking only turns characters into "#", so a phrase
    # whose first word the clause did not have cannot match after it either.
    lexicon, by_first_word = _lexicon(kb), _by_first_word(kb)
    for at in sorted({at for _, _, word in words for at in by_first_word.get(word, ())}):
        phrase, tokens, kind = lexicon[at]
        clause, starts = consume(clause, phrase)
        for s in starts:
            first, last = span(s + 1, len(phrase))
            found.append(_Match(tokens, first, last, kind, phrase))
    for (s, e, word), at in zip(words, positions, strict=True):
        if _CLINICAL_SUFFIX.match(word) and clause[at : at + len(word)] == word:
            found.append(_Match(frozenset(), s, e, "unweighed", word))
    return found
