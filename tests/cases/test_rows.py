"""cases.rows: plain-SQL inserts, updates and reads store and read rows exactly as the ORM
does (JSON, decimals, times, booleans, foreign keys), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import signals
from django.forms.models import model_to_dict

from cases import deliberation, rows
from cases.models import Deliberation, DeliberationRun, Proposal
from tests.cases.scenarios import CASE_TEXT, consensus_panel

pytestmark = pytest.mark.django_db


def proposal(d: Deliberation, index: int) -> Proposal:
    return Proposal(
        deliberation=d,
        member_index=index,
        alias=f"M{index}",
        raw_text='{"diagnosis": "x"}',
        repaired=True,
        cost_usd=Decimal("0.000123"),
        latency_ms=None,
        diagnosis="Community-acquired pneumonia",
        icd10="J18.9",
        confidence=80,
        differential=["Asthma", {"nested": [1, 2.5, None]}],
        class_key="J18",
    )


def test_an_inserted_row_reads_back_as_one_the_orm_wrote():
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    mine, theirs = proposal(d, 0), proposal(d, 1)
    assert rows.insert(mine)
    theirs.save()

    stored = {p.member_index: p for p in Proposal.objects.filter(deliberation=d)}
    assert mine.pk is not None and mine.created_at is not None
    ignore = {"id", "member_index", "alias", "created_at"}
    assert {k: v for k, v in model_to_dict(stored[0]).items() if k not in ignore} == {
        k: v for k, v in model_to_dict(stored[1]).items() if k not in ignore
    }
    assert stored[0].created_at == mine.created_at


def test_a_conflicting_insert_is_skipped_and_says_so():
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    assert rows.insert(DeliberationRun(deliberation_id=d.pk, owner="a"), skip_conflict=True)
    assert not rows.insert(DeliberationRun(deliberation_id=d.pk, owner="b"), skip_conflict=True)
    assert DeliberationRun.objects.get(pk=d.pk).owner == "a"


def test_fetch_reads_a_row_with_its_related_row_and_update_writes_only_the_named_fields():
    d = deliberation.create(CASE_TEXT, panel=consensus_panel(), submitted_by_id=None)
    orm = Deliberation.objects.select_related("case").get(pk=d.pk)

    read = rows.fetch(Deliberation, "id", d.pk, related="case", lock=True)

    assert read is not None
    assert model_to_dict(read) == model_to_dict(orm) and read.created_at == orm.created_at
    assert model_to_dict(read.case) == model_to_dict(orm.case)
    assert rows.fetch(Deliberation, "id", d.pk + 1000) is None
    read.tally, read.status, read.rounds = {"J18": 3}, "running", 2
    assert rows.update(read, ["tally", "status"]) == 1
    again = Deliberation.objects.get(pk=d.pk)
    assert (again.tally, again.status, again.rounds) == ({"J18": 3}, "running", 0)


def test_a_model_with_its_own_save_or_save_signals_is_refused(django_user_model):
    # Plain SQL would skip them; the refusal comes before any statement is sent.
    user = django_user_model(username="someone")
    rows._plain.cache_clear()

    def listener(**_: object) -> None:
        pass

    signals.pre_save.connect(listener, sender=Proposal)
    try:
        with pytest.raises(TypeError, match="Proposal has its own save"):
            rows.insert(Proposal())
    finally:
        signals.pre_save.disconnect(listener, sender=Proposal)
        rows._plain.cache_clear()
    with pytest.raises(TypeError, match="User has its own save"):
        rows.insert(user)  # AbstractBaseUser.save() normalises the username
