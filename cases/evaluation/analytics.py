"""Reliability analytics from what the panels actually did: each member's accuracy against
reviewers' signed diagnoses and against evaluation ground truth, agreement between members,
how often each member was in the winning class, faults by kind, the escalation rate, the time
to sign-off and the cost per case, and the calibrated error guarantee checked on real use
(wrong consensus against reviewers' signed diagnoses of disputed and audited cases).
Members are grouped by alias within a panel name (as frozen in each deliberation's snapshot,
so renamed or deleted panels keep their history).

Reads rows; all arithmetic is in ``cases.metrics``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from cases import metrics, protocol
from cases.models import (
    FAULT_STATUSES,
    Deliberation,
    DeliberationStatus,
    Escalation,
    EvaluationItem,
    Proposal,
    SignOff,
    TurnStatus,
    Vote,
)
from panels.models import Panel

# Escalations whose sign-off says whether a consensus was right: a clinician disputed it, or
# it was drawn at random for audit.
GUARANTEE_REASONS = ("disputed", "audit")
GUARANTEE_DELTA = 0.05


@dataclass
class Guarantee:
    """A panel's consensus decisions that a reviewer signed off after a dispute or an audit:
    how many, how many the reviewer's diagnosis contradicts, the same for audits alone (a
    random sample, so unbiased; disputes are chosen because someone doubted them), and the
    calibration the panel claims, if any."""

    checked: int = 0
    wrong: int = 0
    audited: int = 0
    audited_wrong: int = 0
    alpha: float | None = None
    delta: float = GUARANTEE_DELTA
    claim: str = ""

    @property
    def bound(self) -> float:
        return metrics.clopper_pearson_upper(self.wrong, self.checked, delta=self.delta)

    @property
    def audit_bound(self) -> float:
        return metrics.clopper_pearson_upper(self.audited_wrong, self.audited, delta=self.delta)

    @property
    def confidence(self) -> str:
        return f"{round((1 - self.delta) * 100, 2):g} %"

    @property
    def verdict(self) -> str:
        """Whether the reviewers' sign-offs bear out the calibrated claim, in words."""
        if self.alpha is None:
            return "no calibrated claim to check"
        if not self.checked:
            return "no signed disputes or audits yet"
        if self.wrong / self.checked > self.alpha:
            return "the observed wrong share exceeds the calibrated alpha: recalibrate"
        if self.bound <= self.alpha:
            return "confirmed: the bound is within the calibrated alpha"
        return "consistent so far, but too few signed cases to confirm it"


@dataclass
class MemberStats:
    """One member seat (panel name, alias) across every deliberation it took part in."""

    panel: str
    alias: str
    proposals: int = 0
    valid: int = 0
    signed: int = 0
    signed_agree: int = 0
    evaluated: int = 0
    evaluated_correct: int = 0
    decided: int = 0
    won: int = 0
    faults: Counter[str] = field(default_factory=Counter)

    @property
    def vs_signoffs(self) -> metrics.Interval:
        return metrics.wilson(self.signed_agree, self.signed)

    @property
    def vs_truth(self) -> metrics.Interval:
        return metrics.wilson(self.evaluated_correct, self.evaluated)

    @property
    def in_winning_class(self) -> metrics.Interval:
        return metrics.wilson(self.won, self.decided)

    @property
    def fault_rate(self) -> metrics.Interval:
        turns = self.proposals + self.faults["_votes"]
        return metrics.wilson(sum(v for k, v in self.faults.items() if k != "_votes"), turns)

    @property
    def fault_kinds(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.faults.items()) if k != "_votes"}


@dataclass
class PanelStats:
    """Per panel name: its members, agreement, outcomes, escalations and cost."""

    name: str
    members: dict[str, MemberStats] = field(default_factory=dict)
    ratings: list[list[str]] = field(default_factory=list)
    clinical: int = 0
    escalated: int = 0
    evaluation: int = 0
    clinical_tokens: list[float] = field(default_factory=list)
    clinical_cost: list[float] = field(default_factory=list)
    evaluation_tokens: list[float] = field(default_factory=list)
    signoff_hours: list[float] = field(default_factory=list)
    guarantee: Guarantee = field(default_factory=Guarantee)

    @property
    def kappa(self) -> float | None:
        """Fleiss' kappa over Round 1 classes, on deliberations where every member proposed
        validly (Fleiss' kappa needs the same number of raters per case)."""
        if not self.ratings:
            return None
        return metrics.fleiss_kappa(metrics.rating_table(self.ratings))

    @property
    def escalation_rate(self) -> metrics.Interval:
        return metrics.wilson(self.escalated, self.clinical)

    def member(self, alias: str) -> MemberStats:
        if alias not in self.members:
            self.members[alias] = MemberStats(self.name, alias)
        return self.members[alias]


_Info = dict[int, tuple[str, str, int, bool, str, str]]


def gather() -> list[PanelStats]:
    """Every panel's figures from the finished deliberations, panels by name."""
    panels: dict[str, PanelStats] = {}
    info = _count_deliberations(panels)
    signed = _signed_diagnoses(info)
    _count_proposals(panels, info=info, signed=signed)
    _count_votes(panels, info=info)
    for name, hours in _hours_to_signoff().items():
        _panel(panels, name).signoff_hours.extend(hours)
    _guarantees(panels, info=info, signed=signed)
    return [panels[name] for name in sorted(panels)]


def _panel(panels: dict[str, PanelStats], name: str) -> PanelStats:
    if name not in panels:
        panels[name] = PanelStats(name)
    return panels[name]


def _count_deliberations(panels: dict[str, PanelStats]) -> _Info:
    """Counts each finished deliberation on its panel; returns what the later passes need of
    each (panel name, agreement level, n, evaluation or not, outcome, winner) by its id."""
    finished = Deliberation.objects.filter(status=DeliberationStatus.FINISHED)
    info: _Info = {}
    rows = finished.values_list(
        "pk",
        "panel_snapshot__name",
        "panel_snapshot__agreement_level",
        "panel_snapshot__n",
        "case__is_evaluation",
        "outcome",
        "winner_key",
        "input_tokens",
        "output_tokens",
        "cost_usd",
    )
    for pk, name, level, n, is_eval, outcome, winner, t_in, t_out, cost in rows:
        name = str(name or "(unnamed)")
        info[pk] = (name, str(level or "category"), int(n or 0), bool(is_eval), outcome, winner)
        stats = _panel(panels, name)
        if is_eval:
            stats.evaluation += 1
            stats.evaluation_tokens.append(float(t_in + t_out))
        else:
            stats.clinical += 1
            stats.escalated += outcome != "consensus"
            stats.clinical_tokens.append(float(t_in + t_out))
            stats.clinical_cost.append(float(cost or Decimal(0)))
    return info


def _count_proposals(panels: dict[str, PanelStats], *, info: _Info, signed: dict[int, str]) -> None:
    truth = dict(
        EvaluationItem.objects.filter(deliberation__status=DeliberationStatus.FINISHED).values_list(
            "deliberation_id", "true_classes"
        )
    )
    by_deliberation: dict[int, list[str]] = defaultdict(list)
    proposals = Proposal.objects.filter(deliberation__status=DeliberationStatus.FINISHED)
    # Each later query may see a deliberation that finished after ``info`` was read: its
    # rows are skipped (counted on the next load), so every figure covers the same set.
    for d_id, alias, status, key in proposals.values_list(
        "deliberation_id", "alias", "status", "class_key"
    ):
        if d_id not in info:
            continue
        name, _, n, _, outcome, winner = info[d_id]
        member = _panel(panels, name).member(alias)
        member.proposals += 1
        if status in FAULT_STATUSES:
            member.faults[status] += 1
        ok = status == TurnStatus.OK
        member.valid += ok
        if ok:
            by_deliberation[d_id].append(key)
        if d_id in signed:
            member.signed += 1
            member.signed_agree += ok and key == signed[d_id]
        if truth.get(d_id):  # out-of-scope cases (no right class) say nothing of accuracy
            member.evaluated += 1
            member.evaluated_correct += ok and key in truth[d_id]
        if outcome == "consensus":
            member.decided += 1
            member.won += ok and key == winner
    for d_id, keys in by_deliberation.items():
        name, _, n, _, _, _ = info[d_id]
        if n >= 2 and len(keys) == n:
            _panel(panels, name).ratings.append(keys)


def _count_votes(panels: dict[str, PanelStats], *, info: _Info) -> None:
    votes = Vote.objects.filter(deliberation__status=DeliberationStatus.FINISHED)
    for d_id, alias, status in votes.values_list("deliberation_id", "alias", "status"):
        if d_id not in info:
            continue
        member = _panel(panels, info[d_id][0]).member(alias)
        member.faults["_votes"] += 1
        if status in FAULT_STATUSES:
            member.faults[status] += 1


def _guarantees(
    panels: dict[str, PanelStats],
    *,
    info: _Info,
    signed: dict[int, str],
) -> None:
    """Count, per panel, the consensus decisions a reviewer signed off after a dispute or an
    audit, and those whose signed diagnosis is another class (the consensus was wrong)."""
    reasons: dict[int, set[str]] = defaultdict(set)
    escalations = Escalation.objects.filter(
        reason__in=GUARANTEE_REASONS, deliberation_id__in=list(signed)
    )
    for d_id, reason in escalations.values_list("deliberation_id", "reason"):
        reasons[d_id].add(reason)
    for d_id, why in reasons.items():
        name, _, _, _, outcome, winner = info[d_id]
        if outcome != "consensus" or name not in panels:
            continue
        guarantee = panels[name].guarantee
        wrong = signed[d_id] != winner
        guarantee.checked += 1
        guarantee.wrong += wrong
        if "audit" in why:
            guarantee.audited += 1
            guarantee.audited_wrong += wrong
    claims = Panel.objects.filter(name__in=list(panels)).values_list("name", "calibration")
    for name, calibration in claims:
        guarantee = panels[name].guarantee
        try:
            guarantee.alpha = float(calibration["alpha"])
            guarantee.delta = float(calibration["delta"])
        except (KeyError, TypeError, ValueError):
            continue
        guarantee.claim = (
            f"at most {round(guarantee.alpha * 100, 2):g} % of decided cases wrong, "
            f"with {guarantee.confidence} confidence (calibrated on {calibration.get('n')} "
            "labelled cases)"
        )


def _signed_diagnoses(info: _Info) -> dict[int, str]:
    """Deliberation id -> the class key of the reviewer's diagnosis in force for its case
    (the latest sign-off that no later one supersedes), at that deliberation's level."""
    latest: dict[int, tuple[str, str]] = {}
    in_force = SignOff.objects.filter(superseded_by__isnull=True).order_by("created_at", "id")
    for case_id, diagnosis, icd10 in in_force.values_list(
        "escalation__case_id", "diagnosis", "icd10"
    ):
        latest[case_id] = (diagnosis, icd10)  # ordered: the last one wins
    found: dict[int, str] = {}
    for d_id, case_id in Deliberation.objects.filter(
        pk__in=list(info), case_id__in=list(latest)
    ).values_list("pk", "case_id"):
        diagnosis, icd10 = latest[case_id]
        level: protocol.AgreementLevel = "code" if info[d_id][1] == "code" else "category"
        found[d_id] = protocol.class_key(diagnosis, icd10, level=level)
    return found


def _hours_to_signoff() -> dict[str, list[float]]:
    """Panel name -> hours from each escalation to its first sign-off."""
    first = (
        Escalation.objects.annotate(n=Count("signoffs"))
        .filter(~Q(n=0))
        .values_list("deliberation__panel_snapshot__name", "created_at", "signoffs__created_at")
    )
    earliest: dict[tuple[str, object], float] = {}
    for name, created, signed_at in first:
        hours = (signed_at - created).total_seconds() / 3600
        key = (str(name or "(unnamed)"), created)
        earliest[key] = min(hours, earliest.get(key, hours))
    result: dict[str, list[float]] = defaultdict(list)
    for (name, _), hours in earliest.items():
        result[name].append(hours)
    return result
