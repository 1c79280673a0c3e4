"""/analytics/: reliability figures from finished deliberations, sign-offs and evaluation
ground truth, for administrators only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cases import metrics
from cases.evaluation import analytics
from cases.models import (
    Case,
    Deliberation,
    DeliberationStatus,
    Escalation,
    EvaluationItem,
    EvaluationRun,
    Proposal,
    SignOff,
    TurnStatus,
    Vote,
)
from panels.models import Panel
from tests.factories import make_panel

ALIASES = ("Alpha", "Beta", "Gamma")


def finished(
    keys: list[str],
    *,
    panel: str = "trio",
    winner: str = "",
    is_evaluation: bool = False,
    statuses: list[str] | None = None,
    tokens: int = 300,
) -> Deliberation:
    """A finished deliberation of a 3-member panel whose members proposed ``keys``."""
    case = Case.objects.create(text="Fever and cough.", is_evaluation=is_evaluation)
    d = Deliberation.objects.create(
        case=case,
        panel_snapshot={"name": panel, "n": 3, "q": 2, "f": 1, "agreement_level": "category"},
        status=DeliberationStatus.FINISHED,
        outcome="consensus" if winner else "no_consensus",
        winner_key=winner,
        input_tokens=tokens,
    )
    for i, key in enumerate(keys):
        status = (statuses or [TurnStatus.OK] * 3)[i]
        Proposal.objects.create(
            deliberation=d,
            member_index=i,
            alias=ALIASES[i],
            status=status,
            class_key=key if status == TurnStatus.OK else "",
        )
    return d


def escalate(d: Deliberation, *, hours_ago: float = 0, reason: str = "tie") -> Escalation:
    escalation = Escalation.objects.create(case=d.case, deliberation=d, reason=reason)
    Escalation.objects.filter(pk=escalation.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago)
    )
    return escalation


def by_alias(panel: str = "trio") -> dict[str, analytics.MemberStats]:
    stats = {p.name: p for p in analytics.gather()}
    return stats[panel].members


def test_accuracy_against_sign_offs_uses_the_sign_off_in_force(db, reviewer):
    d = finished(["J18", "I26", "J18"])
    escalation = escalate(d)
    first = SignOff.objects.create(
        escalation=escalation, signer=reviewer, diagnosis="Pneumonia", icd10="J18.9", rationale="x"
    )
    SignOff.objects.create(
        escalation=escalation,
        signer=reviewer,
        diagnosis="Pulmonary embolism",
        icd10="I26.99",
        rationale="CT angiogram",
        supersedes=first,
    )

    members = by_alias()

    assert (members["Beta"].signed_agree, members["Beta"].signed) == (1, 1)
    assert (members["Alpha"].signed_agree, members["Alpha"].signed) == (0, 1)


def test_accuracy_against_evaluation_ground_truth(db):
    run = EvaluationRun.objects.create(panel_name="trio", source="dev.csv")
    for keys in (["J18", "J18", "I26"], ["J18", "J17", "I26"]):
        d = finished(keys, winner="J18", is_evaluation=True)
        EvaluationItem.objects.create(
            run=run,
            deliberation=d,
            row_index=0,
            pathology="Pneumonia",
            icd10="j17, j18",
            true_classes=["J17", "J18"],
        )
    # An out-of-scope free-text case has no right class: it says nothing of accuracy.
    EvaluationItem.objects.create(
        run=run,
        deliberation=finished(["J18", "J18", "J18"], winner="J18", is_evaluation=True),
        row_index=2,
        pathology="",
        icd10="",
        true_classes=[],
    )

    members = by_alias()

    assert (members["Alpha"].evaluated_correct, members["Alpha"].evaluated) == (2, 2)
    assert (members["Beta"].evaluated_correct, members["Beta"].evaluated) == (2, 2)
    assert members["Gamma"].vs_truth.rate == 0.0
    # In the winning class: Beta's J17 is not the winner J18 on the second case.
    assert (members["Beta"].won, members["Beta"].decided) == (2, 3)


def test_kappa_counts_only_deliberations_where_every_member_proposed(db):
    finished(["J18", "J18", "J18"], winner="J18")
    finished(["I26", "I26", "I26"], winner="I26")
    finished(["J18", "", ""], statuses=[TurnStatus.OK, TurnStatus.TIMEOUT, TurnStatus.ERROR])

    trio = analytics.gather()[0]

    assert len(trio.ratings) == 2
    assert trio.kappa == pytest.approx(1.0)


def test_faults_are_counted_by_kind_across_both_rounds(db):
    d = finished(["J18", "", "J18"], statuses=[TurnStatus.OK, TurnStatus.TIMEOUT, TurnStatus.OK])
    Vote.objects.create(deliberation=d, member_index=0, alias="Alpha", status=TurnStatus.INVALID)
    Vote.objects.create(deliberation=d, member_index=2, alias="Gamma", status=TurnStatus.OK)

    members = by_alias()

    assert members["Beta"].fault_kinds == {"timeout": 1}
    assert members["Alpha"].fault_kinds == {"invalid": 1}
    assert members["Alpha"].fault_rate.total == 2  # one proposal, one vote
    assert members["Gamma"].fault_kinds == {}


def test_escalation_rate_time_to_sign_off_and_cost_cover_clinical_cases_only(db, reviewer):
    finished(["J18"] * 3, winner="J18", tokens=100)
    escalated = finished(["J18", "I26", "K35"], tokens=500)
    finished(["J18"] * 3, winner="J18", is_evaluation=True, tokens=9999)
    escalation = escalate(escalated, hours_ago=3)
    SignOff.objects.create(
        escalation=escalation, signer=reviewer, diagnosis="Pneumonia", icd10="J18.9", rationale="x"
    )

    trio = analytics.gather()[0]

    assert (trio.escalated, trio.clinical, trio.evaluation) == (1, 2, 1)
    assert sorted(trio.clinical_tokens) == [100.0, 500.0]
    assert trio.signoff_hours == [pytest.approx(3.0, abs=0.01)]


def test_members_are_grouped_by_alias_within_a_panel_name(db):
    finished(["J18"] * 3, panel="first")
    finished(["I26"] * 3, panel="second")

    panels = {p.name: p for p in analytics.gather()}

    assert set(panels) == {"first", "second"}
    assert panels["first"].members["Alpha"].proposals == 1


def test_page_is_for_administrators_only(client, clinician, reviewer, administrator):
    assert client.get("/analytics/").status_code == 302  # to the login page
    for user in (clinician, reviewer):
        client.force_login(user)
        assert client.get("/analytics/").status_code == 403
    client.force_login(administrator)
    assert client.get("/analytics/").status_code == 200


def test_page_draws_charts_and_escapes_aliases(client, administrator, reviewer):
    d = finished(["J18", "I26", "J18"], winner="J18")
    Proposal.objects.filter(deliberation=d, member_index=1).update(alias="<b>Beta</b>")
    escalation = escalate(finished(["J18", "I26", "K35"]), hours_ago=1)
    SignOff.objects.create(
        escalation=escalation, signer=reviewer, diagnosis="Pneumonia", icd10="J18", rationale="x"
    )
    client.force_login(administrator)

    html = client.get("/analytics/").content.decode()

    assert html.count("<svg") >= 4
    assert "Agreement with the reviewer" in html and "in the winning class" in html
    assert "&lt;b&gt;Beta&lt;/b&gt;" in html and "<b>Beta</b>" not in html


def sign(d: Deliberation, reviewer, *, reason: str, icd10: str) -> None:
    SignOff.objects.create(
        escalation=escalate(d, reason=reason),
        signer=reviewer,
        diagnosis="Signed",
        icd10=icd10,
        rationale="Examined.",
    )


def test_the_guarantee_is_measured_against_signed_disputes_and_audits(db, reviewer):
    calibration = {"n": 400, "alpha": 0.05, "delta": 0.05, "coverage": 0.8, "min_confidence": 60}
    make_panel("trio", [{"provider": "builtin"}] * 3, q=2, f=1, calibration=calibration)
    for _ in range(3):  # audited and right
        sign(finished(["J18"] * 3, winner="J18"), reviewer, reason="audit", icd10="J18.9")
    sign(finished(["J18"] * 3, winner="J18"), reviewer, reason="audit", icd10="I26.99")  # wrong
    sign(finished(["J18"] * 3, winner="J18"), reviewer, reason="disputed", icd10="I26.99")
    sign(finished(["J18"] * 3, winner="J18"), reviewer, reason="disputed", icd10="J18.9")
    # Not counted: a NO CONSENSUS escalation, a consensus escalated for another reason, and
    # a disputed consensus nobody has signed off yet.
    sign(finished(["J18", "I26", "K35"]), reviewer, reason="tie", icd10="I26.99")
    sign(finished(["J18"] * 3, winner="J18"), reviewer, reason="failed", icd10="I26.99")
    escalate(finished(["J18"] * 3, winner="J18"), reason="disputed")

    guarantee = {p.name: p for p in analytics.gather()}["trio"].guarantee

    assert (guarantee.checked, guarantee.wrong) == (6, 2)
    assert (guarantee.audited, guarantee.audited_wrong) == (4, 1)
    assert guarantee.bound == metrics.clopper_pearson_upper(2, 6, delta=0.05)
    assert guarantee.alpha == 0.05
    assert "recalibrate" in guarantee.verdict  # 2 of 6 wrong is far above 5 %
    assert Panel.objects.get(name="trio").calibration["n"] == 400


def test_the_analytics_page_states_the_guarantee_check(client, administrator, reviewer):
    sign(finished(["J18"] * 3, winner="J18"), reviewer, reason="audit", icd10="J18.9")
    client.force_login(administrator)

    html = client.get("/analytics/").content.decode()

    assert "Error guarantee on real use" in html
    assert "Reviewers signed off 1 disputed or audited consensus decisions; 0 were wrong" in html
    assert "No calibrated claim to check" in html


# --- rows that change between the page's queries ------------------------------------------


@contextmanager
def finishing_before_first_read_of(table: str, deliberation: Deliberation) -> Iterator[None]:
    """Mark ``deliberation`` finished (with one vote) just before the first query reading
    ``table``: a deliberation that finishes between two of gather()'s queries, without sleeps."""
    done = False

    def wrapper(execute, sql, params, many, context):
        nonlocal done
        if not done and f'FROM "{table}"' in sql:
            done = True
            Deliberation.objects.filter(pk=deliberation.pk).update(
                status=DeliberationStatus.FINISHED, outcome="no_consensus"
            )
            Vote.objects.create(deliberation=deliberation, member_index=0, alias="Alpha")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert done, f"gather() never read {table}"


@pytest.mark.parametrize("table", ["cases_proposal", "cases_vote"])
def test_a_deliberation_finishing_between_two_queries_is_left_for_the_next_load(db, table):
    counted = finished(["J18", "J18", "I26"], winner="J18")
    running = finished(["J18", "I26", "I26"])
    Deliberation.objects.filter(pk=running.pk).update(status=DeliberationStatus.RUNNING, outcome="")
    Vote.objects.create(deliberation=counted, member_index=0, alias="Alpha")

    with finishing_before_first_read_of(table, running):
        (trio,) = analytics.gather()

    assert (trio.clinical, trio.members["Alpha"].proposals) == (1, 1)
    assert trio.members["Alpha"].faults["_votes"] == 1
    (now,) = analytics.gather()  # the next load counts it
    assert (now.clinical, now.members["Alpha"].proposals) == (2, 2)


def test_the_page_answers_when_a_deliberation_finishes_while_it_is_drawn(client, administrator):
    finished(["J18", "J18", "I26"], winner="J18")
    running = finished(["J18", "I26", "I26"])
    Deliberation.objects.filter(pk=running.pk).update(status=DeliberationStatus.RUNNING)
    client.force_login(administrator)
    with finishing_before_first_read_of("cases_proposal", running):
        response = client.get("/analytics/")
    assert response.status_code == 200
