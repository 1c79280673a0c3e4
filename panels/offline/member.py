"""One offline panel member: it reads the case (``extraction.read``), decides whether the case is
within its scope, ranks the 49 conditions with its method, and answers Round 1 (a proposal or an
abstention) and Round 2 (a vote by merit or an abstention) as protocol JSON, in words.

A member abstains when the case is outside its scope (``scope``: instructions, not a clinical
case, too few weighable findings, mostly words it cannot weigh, a weak best explanation, a
condition without the finding it requires, twins the text cannot tell apart; the neighbour
confusions of ``confusions``) and, when it reads findings, when the text classifier's
independent reading does not name its top condition clearly (``corroboration``).
Its confidence is a calibrated probability of being right, fitted on held-out rows it did not
train on; the text member's is fitted on free text (``calibration.TEXT_ON_NOTES``), where its
classifier is far less sure than on renderings. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from panels.offline import (
    bayes,
    cache,
    calibration,
    confusions,
    corroboration,
    decisive,
    extraction,
    knowledge,
    logistic,
    methods,
    neighbours,
    profiles,
    rendering,
    scope,
)
from panels.offline.scope import Ranking

ENGINE = "Offline reference engine over DDXPlus (not for clinical use)"
METHOD_NAMES = {
    "bayes": "naive Bayes over the findings it read",
    "text": "a linear classifier over the words of the text",
    "neighbours": "the most similar stored cases",
    "logistic": "a logistic regression over the findings it read",
    "profiles": "how well the findings it read fit each condition's profile",
}


@dataclass(frozen=True)
class FindingsMethod:
    """A method over the findings read from a text: how it trains
    (``train(kb, seed=, exclude=)``) and the type of what it trains, which the on-disk cache
    checks a loaded file against."""

    train: Callable[..., calibration.FindingsModel]
    kind: type[calibration.FindingsModel]


# The methods that weigh the findings read from a text: trained, cached and calibrated
# alike (``_findings_model``, ``calibration.for_findings``).
FINDINGS_METHODS = {
    "neighbours": FindingsMethod(neighbours.train, neighbours.Neighbours),
    "logistic": FindingsMethod(logistic.train, logistic.Logistic),
    "profiles": FindingsMethod(profiles.train, profiles.Profiles),
}
# The default panel's five offline members (alias and options), read by panels.demo, bench/
# and builtin.warm(). Five methods (naive Bayes, a text classifier, the most similar stored cases,
# a match against each condition's profile, a logistic regression over the findings), each
# member on its own sample (seed), so that one misreading does not mislead the whole panel
# at once. Offline-5 was a second case-based member, whose errors were Offline-3's (error
# correlation 0.92 on the development notes); the regression's are not (0.6). Offline-4 was
# naive Bayes over the symptoms only, whose errors were Offline-1's (0.81 on the first
# development set, 1.00 on a held-out one: notes state few findings besides symptoms); the
# profile match's are not (at most 0.50 and 0.66 with any member on the two development sets).
DEFAULT_MEMBERS: tuple[dict[str, Any], ...] = (
    {"alias": "Offline-1", "options": {"seed": 1, "method": "bayes", "view": "all"}},
    {"alias": "Offline-2", "options": {"seed": 2, "method": "text", "view": "all"}},
    {"alias": "Offline-3", "options": {"seed": 3, "method": "neighbours", "view": "all"}},
    {"alias": "Offline-4", "options": {"seed": 4, "method": "profiles", "view": "all"}},
    {"alias": "Offline-5", "options": {"seed": 5, "method": "logistic", "view": "all"}},
)
VIEWS = ("all", "symptoms")  # "symptoms": ignores history, risk factors and demographics
# The seed of every finding member's calibration texts and of the order their rows are taken
# in: shared, so that a row's text is read once for all members and folds (a cold evaluation
# read about 4,500 calibration texts with each member's own seed).
RENDER_SEED = 0
BAYES_CALIBRATION_ROWS = 150  # enough for the isotonic map; keeps a first case under ~2 s
VOTE_FLOOR = 0.15  # posterior under its own model a proposal needs for this member's vote
SHOWN = 6
Corroboration = corroboration.Corroboration
_classifier = corroboration.classifier


@dataclass(frozen=True)
class Assessment:
    """What a member made of a case: its reading, its ranking, the calibrated probability that
    the top condition is right, why it abstains (None when it answers), and the rare
    conditions it did not consider for want of a finding they require."""

    reading: extraction.Reading
    ranking: Ranking
    probability: float
    abstain_because: str | None
    excluded: tuple[str, ...]
    corroborated_by: str | None = None  # how a close runner-up corroborates it, in words


@dataclass(frozen=True)
class Member:
    """A member of the offline panel: one ``method`` (a key of ``METHOD_NAMES``)
    trained on its own sample (``seed``, minus the ``holdout`` rows), with a ``view`` of the
    evidence ("all", or "symptoms" only). Raises ValueError for an unknown method or view."""

    kb: knowledge.KnowledgeBase
    seed: int
    holdout: frozenset[int]
    view: str = "all"
    method: str = "bayes"

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"Unknown view {self.view!r}: use one of {', '.join(VIEWS)}.")
        if self.method not in METHOD_NAMES:
            raise ValueError(
                f"Unknown method {self.method!r}: use one of {', '.join(METHOD_NAMES)}."
            )

    @property
    def model(self) -> bayes.Model:
        return _bayes_model(self)

    @property
    def calibrator(self) -> calibration.Calibrator:
        """Maps the method's top probability to the probability of being right, fitted on
        renderings of rows this member did not train on; cached in memory and on disk. The
        text member's is fitted on free text and ships with the code."""
        if self.method == "text":
            return calibration.TEXT_ON_NOTES
        return _calibrator(self)

    def calibrate(self) -> calibration.Calibrator:
        """Fit the calibrator now (what :attr:`calibrator` loads from the cache)."""
        if self.method == "text":
            return calibration.TEXT_ON_NOTES
        if self.method in FINDINGS_METHODS:
            return calibration.for_findings(
                _findings_model(self),
                self.kb,
                seed=RENDER_SEED,
                exclude=self.holdout,
                read=_reader(self.kb, self.view),
            )
        return _bayes_calibrator(self)

    def train(self, *, classifier: bool = True, own: bool = True) -> None:
        """Train and calibrate now (what the first case would otherwise wait for): the text
        classifier it reads with or checks itself against, and its own model and calibrator
        (either left out when two processes train them apart: speed only)."""
        if classifier:
            seed = self.seed if self.method == "text" else corroboration.CORROBORATION_SEED
            _classifier(self.kb, seed, self.holdout)
        if own and self.method != "text":
            _ = _findings_model(self) if self.method in FINDINGS_METHODS else self.model
        if own:
            _ = self.calibrator

    def corroboration(self, text: str, tokens: frozenset[str]) -> Corroboration:
        """How the text classifier (``corroboration.CORROBORATION_SEED``, the same held-out
        rows) reads ``text``: the independent reading a finding-based member checks itself
        against."""
        return corroboration.corroborate(self.kb, self.holdout, text, tokens)

    def view_of(self, reading: extraction.Reading) -> frozenset[str]:
        """The finding tokens this member weighs."""
        if self.view == "symptoms":
            evidences = self.kb.evidences
            return frozenset(
                t for t in reading.tokens if not evidences[t.split("_@_")[0]].is_antecedent
            )
        return reading.tokens

    def rank(self, text: str) -> tuple[Ranking, tuple[str, ...]]:
        """Every condition ranked by this member's method for ``text``, and the rare
        conditions left out for want of a finding they require."""
        reading = extraction.read(text, kb=self.kb)
        tokens = self.view_of(reading)
        age, sex = (None, None) if self.view == "symptoms" else (reading.age, reading.sex)
        present = methods.features(tokens, kb=self.kb)
        if self.method == "bayes":
            absent = methods.features(reading.absent_tokens, kb=self.kb)
            b = bayes.rank(
                self.model,
                present,
                bayes.demographics(age, sex),
                absent=list(absent),
                closed=reading.closed,
            )
            top = b.conditions[0]
            drivers = bayes.drivers(self.model, b, top, kb=self.kb, shown=SHOWN)
            line = f"The findings that favour {top.display_name} most: {'; '.join(drivers)}."
            ranking = Ranking(b.conditions, b.posteriors, dict(b.features), (line,))
        else:
            if self.method == "text":
                found = corroboration.reading(self.kb, self.seed, self.holdout, text)
            else:
                found = _findings_model(self).assess(tokens, age, sex, closed=reading.closed)
            ranking = Ranking(
                tuple(self.kb.conditions[s.condition] for s in found.ranking),
                tuple(s.probability for s in found.ranking),
                present,
                found.explanation,
            )
        ranking, excluded = scope.without_unmet(ranking, reading.tokens, self.kb)
        ranking = confusions.without_anginas(ranking, text)
        if self.method != "text":  # the text member stays a reading of the words alone
            ranking = decisive.weighed(ranking, text)
        return ranking, excluded

    def assess(self, text: str) -> Assessment:
        return _assess(self, text)

    def propose(self, text: str) -> dict[str, Any]:
        """The Round 1 answer: a proposal, or an abstention with the reason in words."""
        a = self.assess(text)
        names = [c.display_name for c in a.ranking.conditions[:4]]
        if a.abstain_because:
            # The case page sums a card up by its reasoning's first sentence: lead with why.
            return {
                "abstain": True,
                "diagnosis": None,
                "icd10": None,
                "confidence": None,
                "reasoning": f"I abstain: {a.abstain_because} {self._engine()} {self._explain(a)}",
                "differential": names[:3] if a.ranking.features else [],
            }
        top = a.ranking.conditions[0]
        return {
            "diagnosis": top.display_name,
            "icd10": top.code,
            "confidence": max(1, min(99, round(a.probability * 100))),
            "reasoning": f"{self._engine()} {self._explain(a)}",
            "differential": names[1:],
        }

    def vote(self, text: str, ballot: Sequence[Any]) -> dict[str, Any]:
        """The Round 2 answer: the ballot entry that best explains the stated findings under
        this member's model, or an abstention when none does (or the case is out of scope)."""
        a = self.assess(text)
        if a.abstain_because and not a.ranking.features:
            return {"vote": None, "reasoning": f"I abstain: {a.abstain_because}"}
        probability = dict(zip(a.ranking.conditions, a.ranking.probabilities, strict=True))
        scored = []
        for entry in ballot:
            condition = knowledge.match(entry, tuple(self.kb.conditions.values()))
            merit = probability.get(condition, 0.0) if condition else -1.0
            scored.append((merit, entry, condition))
        scored.sort(key=lambda item: -item[0])
        summary = "; ".join(
            f"{e.letter} {c.display_name if c else e.diagnosis}: "
            + (f"{m:.0%}" if c else "not a condition I know")
            for m, e, c in scored
        )
        if not scored or scored[0][0] < VOTE_FLOOR or a.abstain_because:
            why = a.abstain_because or "no proposal explains the stated findings well enough."
            return {"vote": None, "reasoning": f"I abstain: {why} Under my model: {summary}."}
        _merit, best, condition = scored[0]
        assert condition is not None  # a positive merit comes from a matched condition
        return {
            "vote": best.letter,
            "reasoning": f"{condition.display_name} (proposal {best.letter}) explains the stated "
            f"findings best under my model ({summary}).",
        }

    def _engine(self) -> str:
        return f"{ENGINE}; this member reasons with {METHOD_NAMES[self.method]}."

    def _explain(self, a: Assessment) -> str:
        kb, r = self.kb, a.reading
        parts = [_understood(kb, r)]
        if r.set_aside:
            parts.append(f"Set aside: {'; '.join(r.set_aside)}.")
        if r.unweighed:
            parts.append(
                "Not understood (clinical words outside my knowledge base): "
                f"{', '.join(r.unweighed)}."
            )
        if r.investigations:
            parts.append(f"Tests named, not weighed: {', '.join(r.investigations)}.")
        if a.excluded:
            parts.append(f"Not considered without a finding they require: {', '.join(a.excluded)}.")
        if a.corroborated_by and not a.abstain_because:
            parts.append(a.corroborated_by)
        if self.view == "symptoms":
            parts.append("This member weighs symptoms only, not history or demographics.")
        if a.ranking.features:
            top = a.ranking.conditions[0]
            fitted_on = "development notes" if self.method == "text" else "held-out cases"
            following = [
                f"{c.display_name} ({p:.0%})"
                for c, p in zip(
                    a.ranking.conditions[1:4], a.ranking.probabilities[1:4], strict=True
                )
            ]
            parts.extend(a.ranking.explanation)
            parts.append(
                f"Best explanation {top.display_name}: method probability "
                f"{a.ranking.probabilities[0]:.0%}, calibrated probability of being right "
                f"{a.probability:.0%} (fitted on {self.calibrator.count} {fitted_on}); next: "
                f"{', '.join(following)}."
            )
        return " ".join(parts)


def default_members(
    kb: knowledge.KnowledgeBase, holdout: frozenset[int] = frozenset()
) -> list[Member]:
    """The default panel's five members (``DEFAULT_MEMBERS``), untrained, minus ``holdout``."""
    return [
        Member(
            kb,
            seed=int(f["options"]["seed"]),
            holdout=holdout,
            method=str(f["options"]["method"]),
            view=str(f["options"]["view"]),
        )
        for f in DEFAULT_MEMBERS
    ]


def _understood(kb: knowledge.KnowledgeBase, r: extraction.Reading) -> str:
    def shown(findings: Sequence[extraction.Finding]) -> str:
        words = [f"{rendering.finding_text(f.token, kb=kb)} (from '{f.source}')" for f in findings]
        return "; ".join(dict.fromkeys(words))

    text = (
        f"Understood: {shown(r.present)}."
        if r.present
        else ("No finding of my knowledge base was recognised.")
    )
    if r.absent:
        text += f" Stated absent: {shown(r.absent)}."
    return text


def _cached[T](member: Member, what: str, build: Callable[[], T], kind: type[T]) -> T:
    """``build()`` for this member through the on-disk cache (``panels.offline.cache``)."""
    name = cache.key(
        member.kb,
        what=what,
        method=member.method,
        seed=member.seed,
        holdout=tuple(sorted(member.holdout)),
        view=member.view,
    )
    return cache.fetch(member.kb, name, build, kind)


@lru_cache(maxsize=64)
def _bayes_model(member: Member) -> bayes.Model:
    def build() -> bayes.Model:
        return bayes.train(member.kb, seed=member.seed, exclude=member.holdout)

    return _cached(member, "model", build, bayes.Model)


@lru_cache(maxsize=64)
def _findings_model(member: Member) -> calibration.FindingsModel:
    method = FINDINGS_METHODS[member.method]

    def build() -> calibration.FindingsModel:
        return method.train(member.kb, seed=member.seed, exclude=member.holdout)

    return _cached(member, "model", build, method.kind)


@lru_cache(maxsize=64)
def _calibrator(member: Member) -> calibration.Calibrator:
    return _cached(member, "calibrator", member.calibrate, calibration.Calibrator)


@lru_cache(maxsize=2048)
def _assess(member: Member, text: str) -> Assessment:
    reading = extraction.read(text, kb=member.kb)
    ranking, excluded = member.rank(text)
    probability = member.calibrator(ranking.probabilities[0]) if ranking.features else 0.0
    text_member = member.method == "text"
    signs = 0 if text_member else len(decisive.stated(text))
    reason = scope.out_of_scope(
        reading, ranking, probability, text_member=text_member, kb=member.kb, signs=signs
    )
    if reason is None:
        reason = confusions.reason(ranking, reading, text)
    sign = None if text_member else decisive.supports(ranking, text)
    support = sign
    if reason is None and not text_member and sign is None:
        other = member.corroboration(text, reading.tokens)
        few = knowledge.findings_stated(ranking.features.values(), member.kb) < scope.FEW_FINDINGS
        needed = scope.TEXT_MIN_SCORE if few else 0.0  # as sure as the text member must be alone
        top = ranking.conditions[0]
        reason = corroboration.uncorroborated(member.kb, top, other, needed=needed)
        if reason is None:
            support = corroboration.close_note(member.kb, top.name, other)
    if reason is None and sign is None:  # a decisive sign of the top sets it apart
        reason = scope.twins_apart(ranking, reading)
    return Assessment(reading, ranking, probability, reason, excluded, support)


@lru_cache(maxsize=64)
def _bayes_calibrator(member: Member) -> calibration.Calibrator:
    """A Bayesian member's calibrator: its top probability on renderings of rows out of its
    bootstrap sample (and out of the holdout), read as any case is read."""

    def assess(text: str) -> methods.MethodResult:
        ranking, _ = member.rank(text)
        top = methods.Scored(ranking.conditions[0].name, ranking.probabilities[0])
        return methods.MethodResult((top,), ())

    trained = set(bayes.bootstrap(len(member.kb.rows), seed=member.seed, exclude=member.holdout))
    return calibration.fit_held_out(
        member.kb,
        assess,
        trained=trained,
        exclude=member.holdout,
        seed=RENDER_SEED,
        limit=BAYES_CALIBRATION_ROWS,
    )


@lru_cache(maxsize=8)
def _reader(
    kb: knowledge.KnowledgeBase, view: str
) -> Callable[[str], tuple[frozenset[str], int | None, str | None]]:
    """How a member of a findings method (``FINDINGS_METHODS``) reads a text (one function
    per knowledge base and view)."""
    probe = Member(kb, seed=0, holdout=frozenset(), view=view, method="neighbours")

    def read(text: str) -> tuple[frozenset[str], int | None, str | None]:
        reading = extraction.read(text, kb=kb)
        if view == "symptoms":
            return probe.view_of(reading), None, None
        return reading.tokens, reading.age, reading.sex

    return read
