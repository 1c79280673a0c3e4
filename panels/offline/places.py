"""Places in a note and the words around them: where a pain is, where it radiates, where a
rash or a swelling is (the knowledge base's place values, with the names notes use for them),
and the text normalisation extraction matches phrases in. Pure: no Django. Used by
:mod:`panels.offline.extraction`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from panels.offline import signs
from panels.offline.knowledge import PAIN_REGIONS, KnowledgeBase, value_text
from panels.offline.notes import BRITISH_SPELLINGS
from panels.offline.outside import UNWEIGHED
from panels.offline.wording import (
    CHARACTER_WORDS,
    CHEST_WORDS,
    HURTING_WORDS,
    NEAR_PAIN_WORDS,
    PAIN_NOUNS,
    PAIN_WORDS,
    PLACE_ALIASES,
    RADIATION_ALIASES,
    SIMILES,
)

WORD = re.compile(r"[a-z0-9]+(?:/[0-9]+)?|=")


@lru_cache(maxsize=65536)  # a note's words repeat; the spelling loop is per word
def normal_word(word: str) -> str:
    for american, british in BRITISH_SPELLINGS:
        word = word.replace(american, british)
    return word


def normal(text: str) -> str:
    """Lower case, British spellings, words and scores only, single spaces, padded."""
    text = text.casefold().replace("’", "'").replace("é", "e")
    return " " + " ".join(normal_word(w) for w in WORD.findall(text)) + " "


# Where a clause names the value of a multi-valued evidence: the places after "pain in",
# "radiates to", "goes into", "rash on", "swelling of"; a pain's character; a rash's colour.
VALUE_CONTEXTS = {
    "E_54": r"pain (?:is )?(?:described|characteri[sz]ed) as ",
    "E_55": r"(?<!rash )pain (?:is )?(?:located |felt |localised |localized )?"
    r"(?:in|at|on|over|behind) ",
    # What spreads is a pain unless the clause says it is something else ("weakness
    # spreading down to the arms", "a rash spreading to the neck").
    "E_57": r"(?<!weakness )(?<!numbness )(?<!tingling )(?<!rash )(?<!redness )(?<!swelling )"
    r"(?:radiat\w*|goes|going|went|spread\w*|moves|moving|travels|shoot\w*)"
    r"(?: (?:up|down|across|back|through))? (?:to|into|towards) ",
    "E_133": r"(?:rash|lesions?) (?:is |are )?(?:located )?(?:in|at|on|over|across) ",
    "E_152": r"swelling (?:is )?(?:located )?(?:in|at|on|over|of) ",
    "E_204": r"travell?ed (?:out of the country )?(?:to|in) ",
    "E_130": r"rash colou?r ",
}


@lru_cache(maxsize=8)
def value_names(kb: KnowledgeBase, code: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(normalised value name, values) for one multi-valued evidence, longest first. A bare
    place name ("ear") stands for both sides when the KB only has sided values."""
    evidence = kb.evidences[code]
    names: dict[str, list[str]] = {}
    for value in evidence.values:
        if value == evidence.default or evidence.values[value] in ("N", "NA"):
            continue
        text = normal(value_text(evidence, value)).strip()
        names.setdefault(text, []).append(value)
        bare = re.sub(r"^(?:right|left) ", "", text)
        if bare != text:
            names.setdefault("~" + bare, []).append(value)
    result: dict[str, tuple[str, ...]] = {}
    for name, values in names.items():
        if name.startswith("~"):
            if name[1:] in names:
                continue
            name = name[1:]
        result[name] = tuple(values)
    # The names notes use ("left arm" for the left biceps); an alias that is also a KB name
    # ("jaw") stands for both places.
    merged = dict(result)
    for words, place in PLACE_ALIASES + (RADIATION_ALIASES if code == "E_57" else ()):
        for name, found in result.items():
            alias = re.sub(rf"(^| ){re.escape(place)}$", rf"\g<1>{words}", name)
            if alias != name:
                merged[alias] = tuple(dict.fromkeys(merged.get(alias, ()) + found))
    # A place written in the plural is the place ("between the shoulder blades" is not the
    # shoulders; "swollen ankles" both ankles); "the left side of the chest" is also "of my
    # chest", "of her chest" and "of chest".
    for name, found in list(merged.items()):
        merged.setdefault(f"{name}s", found)
        if " the " in f" {name} ":
            for word in ("my", "his", "her", "their", "your", ""):
                variant = " ".join(re.sub(r"(^| )the( |$)", rf"\1{word}\2", name).split())
                merged.setdefault(variant, found)
    return tuple(sorted(merged.items(), key=lambda item: (-len(item[0]), item[0])))


# The words that may stand between a rash's or a swelling's places in a list ("rash across
# both cheeks and the bridge of her nose"): the places are those listed right after "rash
# on", not every place the rest of the clause names ("... and painless mouth ulcers").
_LISTING = frozenset(
    ("and", "or", "the", "both", "my", "his", "her", "their", "your", "a", "of", "on", "in")
    + ("at", "over", "across", "around", "bridge", "tip", "area", "areas", "region", "whole")
    + ("entire", "sides")
)
LISTED_ONLY = ("E_130", "E_133", "E_152")


@lru_cache(maxsize=8)
def _place_words(kb: KnowledgeBase, code: str) -> frozenset[str]:
    return _LISTING | {w for name, _ in value_names(kb, code) for w in name.split()}


def listed(kb: KnowledgeBase, code: str, segment: str) -> int:
    """Where the list of places that opens ``segment`` ends (``segment`` starts with a
    space): at its first word that is neither a place's word nor a word of a list."""
    words = _place_words(kb, code)
    at = 0
    for match in re.finditer(r"\S+", segment):
        if match.group() not in words:
            return at
        at = match.end()
    return len(segment)


def consume(clause: str, phrase: str) -> tuple[str, list[int]]:
    """Blank out each whole-word occurrence of ``phrase``; return the clause and the starts."""
    starts = []
    needle = f" {phrase} "
    at = clause.find(needle)
    while at >= 0:
        starts.append(at)
        clause = clause[:at] + " " + "#" * (len(phrase)) + clause[at + len(phrase) + 1 :]
        at = clause.find(needle)
    return clause, starts


# A swollen place as a note writes it, before or after the place: "swollen right calf",
# "R calf swollen + tender", "her left calf is 3 cm larger than the right".
_SWOLLEN_BEFORE = re.compile(
    r"(?:swollen|swelling (?:of|in|over|at|around)|oedema (?:of|in)|oedematous|puffy|enlarged)"
    r" (?:(?:the|his|her|my|a|both) )?(?:(?:tender|red|hot|painful|warm|inflamed) )?$"
)
_WAS = (
    r"(?:is|are|was|were|looks|looked|appears|feels|became|got|has|have|had|been|now|very"
    r"|visibly|markedly|slightly|and|\d+|cm|mm)"
)
# A place that gets or keeps getting swollen; not one that "gets bigger" (a hernia's lump on
# straining is no swelling).
_GETS = r"(?:get|gets|getting|become|becomes|becoming|keep|keeps)"
_SWOLLEN_AFTER = re.compile(
    rf"^ (?:{_WAS}\b ){{0,4}}"
    r"(?:swollen|swelling|swelled|oedematous|oedema|puffy|enlarged|larger|bigger)\b"
    rf"|^ (?:(?:{_WAS}|{_GETS})\b ){{0,4}}(?:swollen|swelling|swelled|puffy)\b"
)


def swellings(
    kb: KnowledgeBase,
    clause: str,
    span: Callable[[int, int], tuple[int, int]],
    found: list[signs.Match],
) -> str:
    """Read the swollen places of ``clause`` (the swelling and where it is, ``E_152``),
    append them to ``found`` and return the clause with the places blanked."""
    if not re.search(r"swell|swollen|oedem|puffy|enlarged|larger|bigger", clause):
        return clause
    for place, values in value_names(kb, "E_152"):
        at = clause.find(f" {place} ")
        while at >= 0:
            end = at + 1 + len(place)
            before = _SWOLLEN_BEFORE.search(clause[max(0, at - 40) : at + 1])
            after = _SWOLLEN_AFTER.match(clause[end : end + 60])
            if before or after:
                tokens = frozenset({"E_151", *(f"E_152_@_{v}" for v in values)})
                first = at + 1 - (len(before.group()) if before else 0)
                last = end + (after.end() if after else 0)
                found.append(signs.Match(tokens, *span(first, last - first)))
                clause = clause[: at + 1] + "#" * len(place) + clause[end:]
            at = clause.find(f" {place} ", at + 1)
    return clause


_PAINS = "|".join(PAIN_WORDS)
_NEAR = "|".join(NEAR_PAIN_WORDS)


@lru_cache(maxsize=8)
def _characters(kb: KnowledgeBase) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    """(pattern, tokens) for each word that qualifies a pain: the word before a pain word
    ("stabbing pain", "sharp left sided chest pain", "burning feeling") or after one ("the
    pain is sharp"); tokens are the pain and its character."""
    names = dict(value_names(kb, "E_54"))
    patterns = []
    for word, value in CHARACTER_WORDS.items():
        values = names.get(normal(value).strip())
        if values:
            pattern = re.compile(
                rf" (?P<word>{word})(?: [a-z#]+){{0,3}}? (?:{_PAINS}) "
                rf"| (?P<near>{word}) (?:{_NEAR}) "
                rf"| (?:{_PAINS}) (?:is|was|are|feels|felt) (?:(?:very|quite|really|more) )?"
                rf"(?:like )?(?:a )?(?P<after>{word}) "
            )
            patterns.append((pattern, frozenset({"E_53", *(f"E_54_@_{v}" for v in values)})))
    return tuple(patterns)


def characters(
    kb: KnowledgeBase,
    clause: str,
    span: Callable[[int, int], tuple[int, int]],
    found: list[signs.Match],
) -> str:
    """Read how ``clause`` qualifies a pain (the pain and its character, ``E_54``), append
    it to ``found`` and return the clause with the qualifying word blanked (the pain word
    stays, so "chest pain" is still read)."""
    if not any(f" {word} " in clause for word in PAIN_WORDS + NEAR_PAIN_WORDS):
        return clause
    for pattern, tokens in _characters(kb):
        for match in list(pattern.finditer(clause)):
            name = next(n for n in ("word", "near", "after") if match.group(n))
            at, end = match.start(name), match.end(name)
            found.append(
                signs.Match(tokens, *span(match.start() + 1, match.end() - 2 - match.start()))
            )
            clause = clause[:at] + "#" * (end - at) + clause[end:]
    return clause


_ALONG = "(?:the|my|his|her|their|your|both|whole|middle of|centre of|center of|front of)"


@lru_cache(maxsize=8)
def _pains(
    kb: KnowledgeBase,
) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The pattern of a pain named by a place: a pain word and a place right after it
    ("squeezing in my chest", "a burning in the middle of my chest", "a tight pressing
    feeling behind the eyes"), or a place and a word saying it hurts ("my chest is burning",
    "top teeth ache"); each place name's values, and each pain character's. Places of
    conditions outside the knowledge base ("flank", "right iliac fossa": ``UNWEIGHED``) are
    left to be unweighed."""
    names = {
        name: values
        for name, values in value_names(kb, "E_55")
        if not any(f" {w} " in f" {name} " for w in UNWEIGHED)
        and not {f"right {name}", f"left {name}"} & UNWEIGHED
    }
    for region in PAIN_REGIONS:
        names.setdefault(region, (region,))
    names.update(dict.fromkeys(CHEST_WORDS, ("chest",)))
    places = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    nouns = "|".join(sorted(PAIN_NOUNS, key=len, reverse=True))
    qualified = "|".join(CHARACTER_WORDS)
    hurting = "|".join(HURTING_WORDS)
    # A place named before or after "sore" or "ache" ("sore neck", "tummy ache", "R shoulder
    # ache"), save the chest and the throat, whose phrases the lexicon reads ("pleuritic chest
    # pain", "sore throat": a sore throat is not a pain place of the questionnaire). A belly
    # button's pain is periumbilical, a word left unweighed.
    named = "|".join(
        re.escape(n)
        for n in sorted(names, key=lambda n: (-len(n), n))
        if n not in PAIN_REGIONS and not n.startswith("throat")
    )
    similes = "|".join(SIMILES)
    pattern = re.compile(
        rf" (?P<head>{nouns}|(?:{qualified}|uncomfortable) (?:feeling|sensation)"
        rf"|(?:like )?(?:an? )?(?:[a-z]+ ){{0,2}}(?P<like>{similes})(?: [a-z]+){{0,2}})"
        rf" (?:in|on|across|behind|over|around|into|through) (?:{_ALONG} )*(?P<place>{places})"
        rf"(?= )(?! button)| (?P<where>{places})"
        rf" (?:(?:is|was|feels|felt|gets|got|keeps|has been) )?"
        rf"(?:(?:really|very|so|a bit|quite|all) )?(?P<hurts>{hurting})(?= )"
        rf"| (?P<sore>sore|aching|painful) (?:{_ALONG} )*(?P<at>{named})(?= )(?! button)"
        rf"| (?P<before>{named}) (?P<ache>{nouns})(?= )"
    )
    return pattern, names, dict(value_names(kb, "E_54"))


def pains(
    kb: KnowledgeBase,
    clause: str,
    span: Callable[[int, int], tuple[int, int]],
    found: list[signs.Match],
    *,
    text: str,
) -> None:
    """Read the pains ``clause`` names by their place without a pain phrase (the pain, its
    place and the character its word gives) and append them to ``found``. Nothing is
    blanked, so the lexicon still reads "mouth ulcers" in "painful mouth ulcers". ``text`` is
    what ``span`` points into: words that a comma or a bracket parts there ("upper chest,
    throbbing headache") are not one phrase."""
    pattern, names, characters_of = _pains(kb)
    for match in list(pattern.finditer(clause)):
        start, end = span(match.start() + 1, len(match.group()) - 1)
        unsided = " ".join(w for w in match.group().split() if w not in ("right", "left"))
        if unsided in UNWEIGHED or re.search(r"[,;:()+]", text[start:end]):
            continue  # "left eye pain": a glaucoma's, not weighed
        place = next(p for p in ("place", "where", "at", "before") if match.group(p))
        words = ("like", "head", "hurts", "sore", "ache")
        word = next(match.group(w) for w in words if match.group(w)).split()[0]
        character = SIMILES.get(word) or PAIN_NOUNS.get(word) or CHARACTER_WORDS.get(word, "")
        tokens = {"E_53", *(f"E_55_@_{v}" for v in names[match.group(place)])}
        tokens.update(f"E_54_@_{v}" for v in characters_of.get(character, ()))
        found.append(signs.Match(frozenset(tokens), start, end))
