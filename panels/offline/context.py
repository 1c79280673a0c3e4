"""The context of each phrase read from a text: whether it is denied, a relative's, past,
hypothetical or only feared (negspacy's NegEx over a blank spaCy English pipeline,
rule-based, no model: its clinical termset plus our cues, ``panels.offline.cues``), with the
clauses of the text as its sentences. Pure: no Django, no network.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from panels.offline.cues import (
    BELIEF_CUES,
    CHILDREN,
    CLOSING_NEGATIONS,
    ESCORTS,
    FAMILY_CUES,
    FIRST_EPISODE,
    HISTORY_CUES,
    HYPOTHETICAL_CUES,
    HYPOTHETICAL_PSEUDO,
    MORE_NEGATIONS,
    NEGATION_TERMINATION,
    PSEUDO_NEGATIONS,
    RELATIVES_CONTINUE,
    RELATIVES_END,
    RELATIVES_END_MORE,
    RELATIVES_REPORT,
    SINGLE_PREDICATE_NEGATIONS,
    STATED_QUANTITIES,
    STATEMENT_DESCRIPTIONS,
    STATEMENT_OPENERS,
    TERMINATION,
)
from panels.offline.signs import Match

SPAN_KEY = "F"  # the span group of the phrases read, which NegEx judges
_ENDS = "ends"  # the doc's tokens where a context's scope ends besides its termination words

# A negation that closes its clause ("... were not present.", "...: none, has a cough"), what
# may stand between it and the last item it denies ("were", "all"), between two items of a
# list (a comma, "and", "or") and before the first item ("also").
_CLOSING = re.compile(
    rf"(?i)[\s:,-]*\b(?:{'|'.join(re.escape(c) for c in CLOSING_NEGATIONS)})\b"
    r"(?=\s*(?:[,.;:!?)]|$|(?:but|however|though|although|except)\b))"
)
_BEFORE_CUE = re.compile(r"(?i)\s*(?:(?:were|was|are|is|have been|has been|all|both)\s+)*")
_SEPARATOR = re.compile(r"(?i)\s*(?:,|/|&|\+)?\s*(?:(?:and|or|nor)\s+)?")
_LIST_START = re.compile(r"(?i)[\s,]*(?:(?:and|also|any)\s+)*")


def _words(words: Sequence[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)


# Where a denial ends at a comma (``_statement_ends``): a new statement opens after it, an
# item after it is described as a finding the patient has, or the denial was one predicate's.
_OPENER = re.compile(rf"(?i)\s*(?:and\s+)?(?:{_words(STATEMENT_OPENERS)})\b")
_DESCRIBED = re.compile(
    rf"(?i)\b(?:{_words(STATEMENT_DESCRIPTIONS)})\b"
    r"|\b(?:for|x)\s*(?:the\s+(?:last|past)\s+)?(?:\d+|an?|one|two|three|four|five|six|seven"
    r"|few|several)\s*(?:hours?|hrs?|h|days?|d|weeks?|wks?|months?|years?)\b"
)
_QUANTITY = re.compile(rf"(?i)\s*(?:and\s+)?(?:{_words(STATED_QUANTITIES)})\b")
_NEGATION_WORD = re.compile(
    r"(?i)\b(?:no|not|denies|denied|deny|without|nil|never|negative for|free of|absence of)\b"
)
_ALTERNATIVE = re.compile(r"(?i)\b(?:or|nor)\b")
# A relative who brought the patient, or whose child the patient is (``_escorts_end``).
_PERSONS = _words([c for c in FAMILY_CUES if " " not in c and c not in ("relatives", "relative")])
_ESCORT = re.compile(
    rf"(?i)\b(?:{_words(ESCORTS)})\s+(?:(?:his|her|their|the)\s+)?(?:{_PERSONS})\b"
    r"(?!\s*,?\s*(?:who|whose|which)\b)"
)
_PARENT_OF = re.compile(
    rf"(?i)\b(?:{_PERSONS})\s+of\s+(?:(?:a|an|his|her|their)\s+)?(?:[\w-]+\s+){{0,3}}?"
    rf"(?:{_words(CHILDREN)})\b"
)
_QUOTED = re.compile(r":\s*(?=['\"“‘])")  # "Mum rang: 'he has had a fever'"
_FIRST_EPISODE = re.compile(rf"(?i)\s+(?:{_words(FIRST_EPISODE)})\b")  # "... like this before"
_SINGLE = frozenset(w.casefold() for w in SINGLE_PREDICATE_NEGATIONS)
# "not feverish", "not immunised (parents' choice)"
_ONE_WORD = re.compile(r"(?i)\s*(?:(?:really|very|at all)\s+)?[\w'-]+\s*(?:\([^()]*\)\s*)?")
# Brackets: a denial or a relative named inside them reaches no further ("unvaccinated
# (parents declined), high fever": neither the parents' nor denied).
_BRACKETS = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=1)
def _termination() -> frozenset[str]:
    """The words and phrases at which a context (a negation, a relative's) stops: negspacy's
    clinical termination terms and ours."""
    from negspacy.termsets import termset

    clinical = termset("en_clinical").get_patterns()  # type: ignore[no-untyped-call]
    return frozenset(clinical["termination"]) | frozenset(TERMINATION)


def _negex_class() -> type[Any]:
    """negspacy's NegEx judging the phrase spans of one boundary at a time. negspacy 1.1.0
    scans every span of the group for each boundary (sentence or termination word), which is
    quadratic in a long text; here the spans are sorted once and each boundary takes its own
    by bisection. The decision for each span is negspacy's own (``_apply_negation``)."""
    from negspacy.negation import Negex

    class SpanNegex(Negex):
        def negex(self, doc: Any) -> Any:
            preceding, following, terminating = self.process_negations(doc)
            ends = doc.user_data.get((_ENDS, self.extension_name), ())
            terminating = [*terminating, *((0, i, i + 1) for i in ends)]
            spans = sorted(doc.spans[SPAN_KEY], key=lambda s: s.start)
            starts = [s.start for s in spans]
            for low, high in self.termination_boundaries(doc, terminating):
                inside = [
                    s
                    for s in spans[
                        bisect.bisect_left(starts, low) : bisect.bisect_left(starts, high)
                    ]
                    if s.end <= high
                ]
                if not inside:
                    continue
                before = [m for m in preceding if low <= m[1] < high]
                after = [m for m in following if low <= m[1] < high]
                for span in inside:
                    self._apply_negation(span, before, after)
            return doc

    return SpanNegex


@lru_cache(maxsize=1)
def _pipeline() -> tuple[Any, list[tuple[str, Callable[[Any], Any]]]]:
    """A blank English spaCy tokenizer and the NegEx components (negation with negspacy's
    clinical termset, inabilities as pseudo-negations; family, history, hypothetical and
    belief with our cues). Loaded once."""
    import spacy
    from negspacy.termsets import termset
    from spacy.tokens import Span

    nlp = spacy.blank("en")
    clinical = termset("en_clinical").get_patterns()  # type: ignore[no-untyped-call]
    stops = sorted(_termination())
    pseudo = [*clinical["pseudo_negations"], *PSEUDO_NEGATIONS]
    # (extension, preceding cues, following cues, pseudo-cues, whether a comma ends the scope)
    specs: tuple[tuple[str, Sequence[str], Sequence[str], Sequence[str], bool], ...] = (
        ("negex", [*clinical["preceding_negations"], *MORE_NEGATIONS], (), pseudo, False),
        # A following negation ("cardiac cause unlikely", "pain free") denies what is just
        # before it, not the list that its clause began with; its context is "negex" too.
        ("negex_after", (), clinical["following_negations"], pseudo, True),
        ("family", FAMILY_CUES, ("runs in the family",), (), False),
        ("historical", HISTORY_CUES, ("in the past", "years ago"), (), False),
        ("hypothetical", HYPOTHETICAL_CUES, (), HYPOTHETICAL_PSEUDO, False),
        ("belief", BELIEF_CUES, (), (), True),
    )
    components: list[tuple[str, Callable[[Any], Any]]] = []
    for name, preceding, following, pseudo_cues, comma in specs:
        ends = [*stops, ","] if comma else stops
        if name == "negex":
            ends = [*(e for e in stops if e != "has"), *NEGATION_TERMINATION]
        elif name == "family":
            # What follows a relative is theirs ("his sister has asthma", "a partner with
            # HIV"): "has" and "with" start no new statement there.
            # A relative who only reports ("mum noticed", "dad thinks") reports the patient's.
            ends = [
                *(e for e in ends if e not in RELATIVES_CONTINUE),
                *RELATIVES_END,
                *RELATIVES_END_MORE,
                *RELATIVES_REPORT,
            ]
        patterns = {
            "pseudo_negations": list(pseudo_cues),
            "preceding_negations": list(preceding),
            "following_negations": list(following),
            "termination": ends,
        }
        if not Span.has_extension(name):
            Span.set_extension(name, default=False, force=True)
        components.append(
            (
                name,
                _negex_class()(
                    nlp,
                    name,
                    neg_termset=patterns,
                    ent_types=[],
                    extension_name=name,
                    chunk_prefix=[],
                    span_keys=[SPAN_KEY],
                ),
            )
        )
    return nlp, components


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """The one-word terms at which NegEx cuts a sentence."""
    return frozenset(t for t in (*_termination(), *NEGATION_TERMINATION) if " " not in t)


def _statement_ends(text: str, bounds: list[int]) -> list[int]:
    """The commas at which a preceding denial ends, as offsets into ``text``: "no fever, he is
    coughing", "no fever, cough productive of green sputum", "not feverish, coughing". A list
    of denied items ("no fever, cough or rash for two weeks", "denies fever, cough, rash")
    has none: its items open with no new statement, and a described item or a single
    predicate's denial is followed by "or"/"nor" before the next denial or the clause end."""
    found: list[int] = []
    for low, high in zip(bounds, [*bounds[1:], len(text)], strict=False):
        for comma in (m.start() for m in re.finditer(",", text[low:high])):
            at = low + comma
            if _OPENER.match(text, at + 1, high):
                found.append(at)
                continue
            before = list(_NEGATION_WORD.finditer(text, low, at))
            if not before:
                continue
            after = _NEGATION_WORD.search(text, at + 1, high)
            reach = after.start() if after else high
            if _ALTERNATIVE.search(text, at + 1, reach):
                continue
            item_end = text.find(",", at + 1, high)
            item = text[at + 1 : item_end if item_end >= 0 else high]
            denial = before[-1]
            single = denial.group().casefold() in _SINGLE and _ONE_WORD.fullmatch(
                text, denial.end(), at
            )
            if single or _DESCRIBED.search(item) or _QUANTITY.match(item):
                found.append(at)
    return found


def _escorts_end(text: str) -> list[int]:
    """Where a relative's scope ends because the relative only brought the patient ("brought
    in by her mother with a cough"), is the patient's parent ("mother of a 3-year-old boy:
    wheezing") or quotes the patient ("Mum rang: 'he has a fever'"), as offsets into
    ``text``; a note that goes on about the relative ("brought in by his mother, who has
    asthma") keeps its scope."""
    return [m.end() for pattern in (_ESCORT, _PARENT_OF, _QUOTED) for m in pattern.finditer(text)]


def _bracket_ends(text: str) -> tuple[list[int], list[int]]:
    """The closing brackets that end a denial and those that end a relative's scope opened
    inside them ("(parents declined)"), as offsets into ``text``. Brackets without one end
    nothing: "no fever (T 37.2) or cough" denies the cough too."""
    negations, relatives = [], []
    for bracket in _BRACKETS.finditer(text):
        inside = bracket.group()
        if _NEGATION_WORD.search(inside) or re.search(r"(?i)\bdeclined\b", inside):
            negations.append(bracket.end() - 1)
        if re.search(rf"(?i)\b(?:{_PERSONS})\b", inside):
            relatives.append(bracket.end() - 1)
    return negations, relatives


def _listed_denials(text: str, matches: Sequence[Match], bounds: list[int]) -> set[int]:
    """The matches a negation closing their clause denies as a list: "Fever, cough and chills
    were not present", "nausea or vomiting: none". NegEx's following negations reach back only
    to a comma; here every item listed back to the clause start (items apart only by commas,
    "and", "or") is denied. A list that does not start the clause ("has a cough, fever not
    present") denies only its last item, and a denial before an item ("cough, no fever") is
    NegEx's own."""
    order = sorted(range(len(matches)), key=lambda i: (matches[i].start, -matches[i].end))
    starts = [matches[i].start for i in order]
    ends = [*bounds[1:], len(text)]
    denied: set[int] = set()
    at = 0
    for low, high in zip(bounds, ends, strict=False):
        upto = max(bisect.bisect_left(starts, high), at)
        clause, at = order[at:upto], upto
        if not clause:
            continue
        # groups of overlapping matches ("rash in my ear" and "rash"), each one listed item
        groups: list[list[int]] = []
        for i in clause:
            if groups and matches[i].start < max(matches[j].end for j in groups[-1]):
                groups[-1].append(i)
            else:
                groups.append([i])
        for g, group in enumerate(groups):
            end = max(matches[j].end for j in group)
            following = groups[g + 1][0] if g + 1 < len(groups) else None
            stop = matches[following].start if following is not None else high
            cue = _BEFORE_CUE.match(text, end, stop)
            closing = cue and _CLOSING.match(text, cue.end(), high)
            if not (closing and closing.end() <= stop):
                continue
            first = g
            while first > 0:
                gap_start = max(matches[j].end for j in groups[first - 1])
                gap = _SEPARATOR.match(text, gap_start, matches[groups[first][0]].start)
                if not (gap and gap.end() == matches[groups[first][0]].start):
                    break
                first -= 1
            opening = _LIST_START.match(text, low, matches[groups[first][0]].start)
            if not (opening and opening.end() == matches[groups[first][0]].start):
                first = g
            denied.update(j for listed in groups[first : g + 1] for j in listed)
    return denied


def contexts(text: str, matches: Sequence[Match], bounds: list[int]) -> list[set[str]]:
    """For each match, which NegEx contexts apply ("negex", "family", "historical",
    "hypothetical", "belief"), with clause starts ``bounds`` as sentence starts. The matches
    go to NegEx as one span group, which may overlap ("rash in my ear" and "rash", a pain's
    place and its character): each is judged in its own right, in one pass."""
    from spacy.tokens import Span

    nlp, components = _pipeline()
    stops = _stop_words()
    doc = nlp.make_doc(text)
    token_starts = [token.idx for token in doc]
    negations, relatives = _bracket_ends(text)
    ends = {"negex": _statement_ends(text, bounds) + negations}
    ends["family"] = _escorts_end(text) + relatives
    for name, offsets in ends.items():
        doc.user_data[(_ENDS, name)] = [bisect.bisect_left(token_starts, at) for at in offsets]
    cuts = {i for name in ends for i in doc.user_data[(_ENDS, name)]}
    sentence_starts = {bisect.bisect_left(token_starts, b) for b in bounds}
    for token in doc:
        token.is_sent_start = token.i == 0 or token.i in sentence_starts
    spans, owners = [], []
    for index, match in enumerate(matches):
        span = doc.char_span(match.start, match.end, alignment_mode="expand")
        if span is None:
            continue
        # NegEx cuts a sentence at its termination words ("with"), and a phrase cut in
        # two is never negated: "no contact with Ebola" was read as contact. Judge a
        # phrase by its words before the first such word.
        # The same for where a context ends besides its words (a comma, a bracket).
        cut = next((t.i for t in span[1:] if t.lower_ in stops or t.i in cuts), span.end)
        spans.append(Span(doc, span.start, cut, label=SPAN_KEY))
        owners.append(index)
    doc.spans[SPAN_KEY] = spans
    for _name, component in components:
        doc = component(doc)
    flags: list[set[str]] = [set() for _ in matches]
    for span, index in zip(spans, owners, strict=True):
        flags[index] = {name.removesuffix("_after") for name, _ in components if span._.get(name)}
    for index in _listed_denials(text, matches, bounds):
        flags[index].add("negex")
    for index, match in enumerate(matches):
        if _FIRST_EPISODE.match(text, match.end):  # never had chest pain like this: it is new
            flags[index].discard("negex")
    return flags
