"""The offline panel member: an explainable naive-Bayes reasoner over the DDXPlus knowledge base.

Each member trains on its own bootstrap sample of the development rows, seeded from
``options["seed"]`` or a stable hash of its alias, so members disagree in realistic, partly
correlated ways and every run is reproducible. ``options["holdout"]`` (row indices) keeps rows
out of training so an evaluation on them is out-of-sample. An offline reference engine, not
for clinical use.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import simple_icd_10_cm as icd

from panels.offline import knowledge
from panels.providers import base

# Pseudo-counts of the knowledge-base prior that smooths every likelihood, so a condition
# missing from a bootstrap sample still ranks by the findings the KB lists for it.
PRIOR_WEIGHT = 2.0
KB_LISTED, KB_UNLISTED, KB_VALUE = 0.5, 0.02, 0.1
AGE_CUTS = (1, 5, 16, 30, 45, 60, 75)
MAX_CONFIDENCE = 99  # a posterior of 1.0 is an artefact of naive independence, not certainty
REASONS_SHOWN = 5
ABSENCE_FULL_AT = 20.0  # findings after which unmentioned ones count fully as absent

# Corrections to the KB's codes: SLE carries M34 (systemic sclerosis) in the source, and
# J17 is "pneumonia in diseases classified elsewhere"; the data README documents both.
ICD10_FIXES = {"SLE": "M32.9", "Pneumonia": "J18"}
DISPLAY_NAMES = {"Larygospasm": "Laryngospasm"}  # misspelled in the source


@dataclass(frozen=True, eq=False)
class Model:
    """A trained member: per-condition log prior, Bernoulli log-likelihoods for every
    evidence feature, and categorical log-likelihoods for age band and sex."""

    conditions: tuple[knowledge.Condition, ...]
    log_prior: tuple[float, ...]
    log_p: Mapping[str, tuple[float, ...]]
    log_not_p: Mapping[str, tuple[float, ...]]
    log_all_absent: tuple[float, ...]
    log_demographic: Mapping[str, tuple[float, ...]]
    rows_used: int


@dataclass(frozen=True)
class Ranking:
    """Conditions best first, with posteriors, and the features that were scored."""

    conditions: tuple[knowledge.Condition, ...]
    posteriors: tuple[float, ...]
    features: Mapping[str, str]  # feature -> the finding token it came from


def features(tokens: Iterable[str], *, kb: knowledge.KnowledgeBase) -> dict[str, str]:
    """Model features for evidence tokens, each mapped to the token it came from. Default and
    "NA" values are dropped (text never states them); 0-10 scales fall into three bands."""
    result: dict[str, str] = {}
    for token in tokens:
        code, _, value = token.partition("_@_")
        evidence = kb.evidences.get(code)
        if evidence is None or (value and value == evidence.default):
            continue
        if value and evidence.values.get(value) in ("N", "NA"):
            continue
        if value and not evidence.values:
            score = int(value)
            band = "low" if score <= 3 else "mid" if score <= 6 else "high"
            result[f"{code}:{band}"] = token
        else:
            result[token] = token
    return result


def demographics(age: int | None, sex: str | None) -> list[str]:
    """Demographic features for what the text states; nothing for what it does not."""
    found = []
    if age is not None:
        found.append(f"age:{sum(age >= cut for cut in AGE_CUTS)}")
    if sex in ("F", "M"):
        found.append(f"sex:{sex}")
    return found


def bootstrap(count: int, *, seed: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """A bootstrap sample (with replacement) of the row indices not in ``exclude``."""
    pool = [i for i in range(count) if i not in exclude]
    rng = random.Random(seed)
    return [pool[rng.randrange(len(pool))] for _ in pool] if pool else []


def train(
    kb: knowledge.KnowledgeBase, *, seed: int, exclude: frozenset[int] = frozenset()
) -> Model:
    """The model for one member: cached per (knowledge base, seed, excluded rows)."""
    return _train(kb, seed, frozenset(exclude))


@lru_cache(maxsize=64)
def _train(kb: knowledge.KnowledgeBase, seed: int, exclude: frozenset[int]) -> Model:
    conditions = tuple(kb.conditions.values())
    index = {c.name: i for i, c in enumerate(conditions)}
    listed = {c.name: c.findings for c in conditions}
    n = len(conditions)
    totals = [0] * n
    counts: dict[str, list[int]] = {}
    for row_index in bootstrap(len(kb.rows), seed=seed, exclude=exclude):
        row = kb.rows[row_index]
        c = index[row.pathology]
        totals[c] += 1
        row_features = [*features(row.evidences, kb=kb), *demographics(row.age, row.sex)]
        for feature in row_features:
            counts.setdefault(feature, [0] * n)[c] += 1
    for condition in conditions:
        for code in listed[condition.name]:
            counts.setdefault(code, [0] * n)  # KB-listed findings are scored even if unseen
    log_p: dict[str, tuple[float, ...]] = {}
    log_not_p: dict[str, tuple[float, ...]] = {}
    log_demographic: dict[str, tuple[float, ...]] = {}
    for feature, per_class in counts.items():
        if feature.startswith(("age:", "sex:")):
            bands = len(AGE_CUTS) + 1 if feature.startswith("age:") else 2
            log_demographic[feature] = tuple(
                math.log((per_class[c] + 1) / (totals[c] + bands)) for c in range(n)
            )
            continue
        code = feature.split("_@_")[0].split(":")[0]
        probabilities = []
        for c, condition in enumerate(conditions):
            prior = KB_UNLISTED
            if code in listed[condition.name]:
                prior = KB_LISTED if feature == code else KB_VALUE
            p = (per_class[c] + PRIOR_WEIGHT * prior) / (totals[c] + PRIOR_WEIGHT)
            probabilities.append(p)
        log_p[feature] = tuple(math.log(p) for p in probabilities)
        log_not_p[feature] = tuple(math.log1p(-p) for p in probabilities)
    total = sum(totals)
    log_prior = tuple(math.log((totals[c] + 1) / (total + n)) for c in range(n))
    all_absent = tuple(sum(column) for column in zip(*log_not_p.values(), strict=True))
    return Model(conditions, log_prior, log_p, log_not_p, all_absent, log_demographic, total)


def rank(model: Model, present: Mapping[str, str], demographic: Sequence[str] = ()) -> Ranking:
    """Rank every condition for the ``present`` features (all others count as absent) and the
    stated ``demographic`` features. Posteriors are normalised over the 49 conditions."""
    # A short note names a few findings and is silent on the rest, whereas a full history
    # lists everything present: silence counts as absence in proportion to how much was said.
    known = [f for f in present if f in model.log_p]
    weight = min(1.0, len(known) / ABSENCE_FULL_AT)
    scores = [p + weight * a for p, a in zip(model.log_prior, model.log_all_absent, strict=True)]
    for feature in known:
        pairs = zip(model.log_p[feature], model.log_not_p[feature], strict=True)
        for c, (log_p, log_not_p) in enumerate(pairs):
            scores[c] += log_p - weight * log_not_p
    for feature in demographic:
        for c, value in enumerate(model.log_demographic.get(feature, ())):
            scores[c] += value
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    order = sorted(range(len(scores)), key=lambda c: (-scores[c], model.conditions[c].name))
    return Ranking(
        conditions=tuple(model.conditions[c] for c in order),
        posteriors=tuple(weights[c] / total for c in order),
        features={f: t for f, t in present.items() if f in model.log_p},
    )


@lru_cache(maxsize=256)
def _read_case(
    case_text: str, kb: knowledge.KnowledgeBase
) -> tuple[Mapping[str, str], tuple[str, ...]]:
    # Every member of a panel reads the same case text in both rounds: extract it once
    # (read-only views, since the result is shared).
    present = features(knowledge.extract_findings(case_text, kb=kb), kb=kb)
    age, sex = knowledge.extract_demographics(case_text)
    return MappingProxyType(present), tuple(demographics(age, sex))


def icd10_code(condition: knowledge.Condition) -> str | None:
    """The condition's ICD-10-CM code: the KB's first code, corrected where the KB is wrong,
    upper-cased and dotted; None when it is not a valid ICD-10-CM code."""
    raw = ICD10_FIXES.get(condition.name, condition.icd10.split(",")[0])
    code = raw.strip().upper().replace(".", "")
    if not code or not icd.is_valid_item(code):
        return None
    return str(icd.add_dot(code)) if len(code) > 3 else code


def display_name(condition: knowledge.Condition) -> str:
    return DISPLAY_NAMES.get(condition.name, condition.name)


def member_seed(spec: base.MemberSpec) -> int:
    """``options["seed"]`` when set, else a hash of the alias that is stable across runs."""
    seed = spec.options.get("seed")
    if seed is not None:
        return int(seed)
    return int(hashlib.sha256(spec.alias.encode("utf-8")).hexdigest()[:12], 16)


class BuiltinProvider:
    """One offline member. Holds no state between calls beyond its cached model."""

    def __init__(self, spec: base.MemberSpec, data_dir: Path) -> None:
        self.spec = spec
        self.data_dir = data_dir
        self.seed = member_seed(spec)
        self.holdout = frozenset(int(i) for i in spec.options.get("holdout", ()))
        self.delay_s = float(spec.options.get("stream_delay_ms", 20)) / 1000

    def model(self) -> tuple[knowledge.KnowledgeBase, Model]:
        """The knowledge base and this member's trained model; raises ProviderError (not
        retryable) when the data folder is missing."""
        try:
            kb = knowledge.load(self.data_dir)
        except knowledge.KnowledgeBaseMissing as exc:
            raise base.ProviderError(str(exc), retryable=False) from exc
        return kb, train(kb, seed=self.seed, exclude=self.holdout)

    def assess(self, case_text: str) -> tuple[knowledge.KnowledgeBase, Model, Ranking]:
        kb, model = self.model()
        present, demographic = _read_case(case_text, kb)
        return kb, model, rank(model, present, demographic)

    async def complete(
        self, request: base.CallRequest, *, on_delta: base.DeltaSink
    ) -> base.Completion:
        kb, model, ranking = self.assess(request.case_text)
        if request.phase == "propose":
            answer = propose(kb, model, ranking)
        else:
            answer = vote(ranking, request.ballot)
        text = json.dumps(answer, ensure_ascii=False)
        await base.stream_text(text, on_delta, delay_s=self.delay_s)
        prompt = base.word_count(request.system, *(m.content for m in request.messages))
        usage = base.Usage(input_tokens=prompt, output_tokens=base.word_count(text))
        return base.Completion(text, usage)


def propose(kb: knowledge.KnowledgeBase, model: Model, ranking: Ranking) -> dict[str, Any]:
    """The Round 1 answer for ``ranking``: the top condition with the findings behind it."""
    top, posterior = ranking.conditions[0], ranking.posteriors[0]
    following = [
        f"{display_name(c)} ({p:.0%})"
        for c, p in zip(ranking.conditions[1:4], ranking.posteriors[1:4], strict=True)
    ]
    if ranking.features:
        drivers = _drivers(kb, model, ranking, top)
        reasoning = (
            f"Offline reference engine (naive Bayes over DDXPlus, not for clinical use). "
            f"Recognised {len(ranking.features)} findings. Those that favour "
            f"{display_name(top)} most: {'; '.join(drivers) or 'none stands out'}. "
            f"Posterior {posterior:.0%}; next: {', '.join(following)}."
        )
    else:
        reasoning = (
            "Offline reference engine (naive Bayes over DDXPlus, not for clinical use). "
            "No findings were recognised in the case text, so this is the most likely "
            f"condition before any evidence, with low confidence; next: {', '.join(following)}."
        )
    return {
        "diagnosis": display_name(top),
        "icd10": icd10_code(top),
        "confidence": min(MAX_CONFIDENCE, round(posterior * 100)),
        "reasoning": reasoning,
        "differential": [display_name(c) for c in ranking.conditions[1:5]],
    }


def _drivers(
    kb: knowledge.KnowledgeBase, model: Model, ranking: Ranking, top: knowledge.Condition
) -> list[str]:
    """The present findings whose likelihood under ``top`` most exceeds their average over
    all conditions, in words."""
    c = model.conditions.index(top)
    weighed = []
    for feature, token in ranking.features.items():
        log_p = model.log_p[feature]
        lift = log_p[c] - sum(log_p) / len(log_p)
        if lift > 0:
            weighed.append((-lift, knowledge.finding_text(token, kb=kb)))
    return list(dict.fromkeys(words for _, words in sorted(weighed)))[:REASONS_SHOWN]


def vote(ranking: Ranking, ballot: Sequence[base.BallotEntry]) -> dict[str, Any]:
    """The Round 2 answer: the ballot entry whose condition this member finds most probable.

    Entries are matched to KB conditions by name, then by ICD-10 code (exact, then
    category); an entry that matches none ranks last, and if none matches the most
    confident entry gets the vote.
    """
    posterior = {c.name: p for c, p in zip(ranking.conditions, ranking.posteriors, strict=True)}
    scored = []
    for position, entry in enumerate(ballot):
        condition = match(entry, ranking.conditions)
        probability = posterior[condition.name] if condition else -1.0
        scored.append((-probability, -entry.confidence, position, entry, condition))
    _, _, _, best, condition = min(scored, key=lambda item: item[:3])
    if condition is None:
        reasoning = (
            "None of the proposals names a condition in my knowledge base, so I back the "
            f"most confident one ({best.letter})."
        )
    else:
        others = [
            f"{item[3].letter} {item[4] and display_name(item[4]) or 'unknown'}"
            for item in sorted(scored, key=lambda item: item[:3])[1:3]
        ]
        reasoning = (
            f"Under my model {display_name(condition)} (proposal {best.letter}) is the most "
            f"probable of the proposals at {posterior[condition.name]:.0%}"
            + (f", ahead of {', '.join(others)}." if others else ".")
        )
    return {"vote": best.letter, "reasoning": reasoning}


def match(
    entry: base.BallotEntry, conditions: Sequence[knowledge.Condition]
) -> knowledge.Condition | None:
    """The KB condition a ballot entry names, or None."""
    name = _fold(entry.diagnosis)
    for condition in conditions:
        if name in (_fold(condition.name), _fold(display_name(condition))):
            return condition
    code = (entry.icd10 or "").strip().upper().replace(".", "")
    if not code:
        return None
    for exact in (True, False):
        for condition in conditions:
            own = (icd10_code(condition) or "").replace(".", "")
            if own and (own == code if exact else own[:3] == code[:3]):
                return condition
    return None


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("é", "e").split())


@base.register("builtin")
def build(spec: base.MemberSpec, api_key: str | None) -> base.Provider:
    """The factory: the data folder is ``options["data_dir"]`` or ``settings.DDXPLUS_DIR``.
    No API key is used."""
    data_dir = spec.options.get("data_dir")
    if data_dir is None:
        from django.conf import settings

        data_dir = settings.DDXPLUS_DIR
    return BuiltinProvider(spec, Path(data_dir))
