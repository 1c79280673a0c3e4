"""Scope: whether a member can judge a case at all, and what it may not name. A member
abstains when the text reads as instructions, is not a clinical case, states too few findings
its knowledge base can weigh, says more in clinical words it does not know than in findings it
does, or when its best explanation is weak (``out_of_scope``); when its reading points first to
a condition without the finding it requires, such as a rare, travel-bound condition without
its exposure (``without_unmet``, ``displaced``); and when the text cannot tell its top
condition from a near-identical twin (``twins_apart``). Each reason is in words, for the
member's reasoning. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

from panels.offline import extraction, knowledge, rendering

# Weighable findings (``knowledge.findings_stated``: a pain and its place are one) below which
# a member abstains (chosen on the development notes: a development figure).
MIN_FINDINGS = 2
# Below this many, the classifier must read the case clearly on its own to corroborate it
# ("tired and dizzy" is two findings, and reads as anaemia to every method, but not clearly).
FEW_FINDINGS = 3
UNWEIGHED_SHARE = 0.4  # share of clinical words it cannot weigh at which it abstains
# A decisive sign (``decisive``) weighs as this many findings against the clinical words a
# member cannot weigh: an examination or test finding that points to one condition says more
# than a questionnaire answer (chosen on the development pool, a development figure: 1 to 2
# added 2 correct, 3 added 3, none wrong or out of scope decided).
SIGN_FINDINGS = 2
MIN_PROBABILITY = 0.5  # calibrated probability below which the best explanation is weak
# The text classifier's own top probability below which its reading is weak: the text member
# abstains below it, and its confidence map (``calibration.TEXT_ON_NOTES``) is fitted on the
# notes it answers above it (chosen on the development notes: a development figure).
TEXT_MIN_SCORE = 0.3
# Two conditions whose knowledge-base findings are at least this much shared (Jaccard) are
# twins: a member tells them apart only by a stated finding that one lists and the other does
# not (acute from chronic rhinosinusitis by fever). Otherwise the pick is the prior's, the
# main wrong consensus on DDXPlus rows (chosen on held-out DDXPlus rows).
TWIN_SHARE = 0.9


@dataclass(frozen=True)
class Ranking:
    """Conditions best first with the method's probabilities (conditions whose required
    finding the text does not state removed, ``knowledge.REQUIRED``), the weighable
    ``features`` read from the text (feature -> finding token), the method's explanation in
    words, and ``displaced``: the method's own top condition when it was one of those
    removed."""

    conditions: tuple[knowledge.Condition, ...]
    probabilities: tuple[float, ...]
    features: dict[str, str]
    explanation: tuple[str, ...]
    displaced: knowledge.Condition | None = None


def displaced(ranking: Ranking, kb: knowledge.KnowledgeBase) -> str | None:
    """Why a member whose reading points first to a condition it may not name (its required
    finding not stated) does not put the runner-up forward in its place, in words; None
    otherwise. The runner-up is the best of the rest, not an explanation of the case: on
    DDXPlus rows of Chagas without the travel it requires, three members named HIV instead
    (4 wrong consensus of 1,000 rows out of fold)."""
    if ranking.displaced is None:
        return None
    needed = " or ".join(
        sorted(rendering.finding_text(t, kb=kb) for t in ranking.displaced.requires)
    )
    return (
        f"my reading points first to {ranking.displaced.display_name}, which I do not name "
        f"unless the text states what it requires ({needed}), and I put no other diagnosis "
        "forward in its place."
    )


def twins_apart(ranking: Ranking, reading: extraction.Reading) -> str | None:
    """Why the text cannot tell the top condition from a twin runner-up (``TWIN_SHARE``),
    in words; None when they are no twins or a stated finding separates them: in a note,
    one stated present or absent; in a full questionnaire, where absent is every finding's
    default, one stated present."""
    if len(ranking.conditions) < 2:
        return None
    top, second = ranking.conditions[0], ranking.conditions[1]
    mine, theirs = set(top.findings), set(second.findings)
    if not mine | theirs or len(mine & theirs) / len(mine | theirs) < TWIN_SHARE:
        return None
    said = reading.tokens if reading.closed else reading.tokens | reading.absent_tokens
    if (mine ^ theirs) & {t.split("_@_")[0] for t in said}:
        return None
    return (
        f"the text cannot tell {top.display_name} from {second.display_name}: my knowledge "
        "base lists nearly the same findings for both, and the text states none of those "
        "that set them apart."
    )


def out_of_scope(
    reading: extraction.Reading,
    ranking: Ranking,
    probability: float,
    *,
    text_member: bool,
    kb: knowledge.KnowledgeBase,
    signs: int = 0,
) -> str | None:
    """Why the case is outside what this member can judge, in words; None when it is not.
    A text member judges its reading by its own top score (``TEXT_MIN_SCORE``), any other
    by its calibrated ``probability``. ``signs``: the decisive signs it weighs
    (``decisive.stated``), each counted as a finding, and as ``SIGN_FINDINGS`` against the
    words it cannot weigh."""
    known = knowledge.findings_stated(ranking.features.values(), kb) + signs
    weighed = known + (SIGN_FINDINGS - 1) * signs
    if reading.instruction:
        return "the text addresses the model with instructions instead of describing a patient."
    if not known and not reading.unweighed and not reading.absent and not reading.vitals:
        return "this does not read as a clinical case: I found no symptom, sign or history in it."
    unknown = len(reading.unweighed)
    if unknown >= 2 and unknown / (unknown + weighed) >= UNWEIGHED_SHARE:
        return (
            "most of what the text says is outside my knowledge base of 49 conditions "
            f"({unknown} clinical words I cannot weigh against {known} "
            f"finding{'s' if known != 1 else ''} I can)."
        )
    if known < MIN_FINDINGS:
        return (
            f"the text states only {known} finding{'s' if known != 1 else ''} my knowledge "
            f"base can weigh; I need at least {MIN_FINDINGS}."
        )
    if ranking.displaced is not None:  # what the reading points to, not a weak runner-up
        return displaced(ranking, kb)
    top = ranking.conditions[0].display_name
    if text_member:
        if ranking.probabilities[0] < TEXT_MIN_SCORE:
            return (
                f"the words of the text do not point clearly to one condition: {top} leads "
                f"with a classifier score of {ranking.probabilities[0]:.0%} "
                f"(I need {TEXT_MIN_SCORE:.0%})."
            )
        return None
    if probability < MIN_PROBABILITY:
        return (
            f"my best explanation, {top}, is weak (calibrated probability "
            f"{probability:.0%} of being right)."
        )
    return None


def without_unmet(
    ranking: Ranking, tokens: frozenset[str], kb: knowledge.KnowledgeBase
) -> tuple[Ranking, tuple[str, ...]]:
    """``ranking`` without the conditions whose required finding ``tokens`` do not state,
    and the names of those among its first five. The rest keep the method's probabilities:
    leaving out a condition the text gives no ground for must not make the others surer
    (renormalised, once HIV was left out for want of an exposure, a falciparum malaria read
    as influenza at 73 %)."""
    said = knowledge.stated(tokens, kb)
    pairs = zip(ranking.conditions, ranking.probabilities, strict=True)
    kept = [(c, p) for c, p in pairs if not knowledge.unmet(c, said)]
    excluded = tuple(c.display_name for c in ranking.conditions[:5] if knowledge.unmet(c, said))
    top = ranking.conditions[0]
    return Ranking(
        tuple(c for c, _ in kept),
        tuple(p for _, p in kept),
        ranking.features,
        ranking.explanation,
        top if knowledge.unmet(top, said) else None,
    ), excluded
