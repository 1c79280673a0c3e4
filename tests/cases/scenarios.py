"""Deliberations for page, API and websocket tests: real runs on scripted members, or a
deliberation left mid-way with hand-published events."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth.models import User

from cases import deliberation, streaming
from cases.models import Deliberation, DeliberationStatus
from panels.models import Panel
from tests.factories import make_panel
from tests.fakes import scripted  # noqa: F401  (registers the "scripted" provider)
from tests.fakes.scripted import answer

PNEUMONIA = answer("Community-acquired pneumonia", "J18.9")
PE = answer("Pulmonary embolism", "I26.99")
ASTHMA = answer("Asthma exacerbation", "J45.901")
CASE_TEXT = "67-year-old with fever, productive cough and crackles at the right base."


def member(propose: Any, **options: Any) -> dict[str, Any]:
    return {
        "provider": "scripted",
        "model_name": "script-1",
        "options": {"propose": propose, **options},
    }


def consensus_panel(name: str = "agree", **fields: Any) -> Panel:
    """Two pneumonia, one asthma voting pneumonia, two PE: Round 2 decides J18 by 3 votes."""
    return make_panel(
        name,
        [member(PNEUMONIA)] * 2 + [member(ASTHMA, vote_for="J18.9")] + [member(PE)] * 2,
        **fields,
    )


def split_panel(name: str = "split") -> Panel:
    """2 / 2 / 1: a tie, so NO CONSENSUS and an escalation."""
    return make_panel(name, [member(PNEUMONIA)] * 2 + [member(PE)] * 2 + [member(ASTHMA)])


def run_case(user: User | None, panel: Panel, text: str = CASE_TEXT) -> Deliberation:
    """Create a case and run its deliberation to the end, in this thread's transaction."""
    d = deliberation.create(text, panel=panel, submitted_by_id=user.pk if user else None)
    async_to_sync(deliberation.run)(d.pk)
    return Deliberation.objects.select_related("case").get(pk=d.pk)


def started_case(user: User | None, panel: Panel, text: str = CASE_TEXT) -> Deliberation:
    """A deliberation that has begun Round 1: started, round 1, and one member's first words."""
    d = deliberation.create(text, panel=panel, submitted_by_id=user.pk if user else None)
    Deliberation.objects.filter(pk=d.pk).update(status=DeliberationStatus.RUNNING)
    snap = d.snapshot
    streaming.publish(
        d.pk,
        "deliberation.started",
        {
            "panel": snap.name,
            "n": snap.n,
            "q": snap.q,
            "f": snap.f,
            "members": [
                {"index": i, "alias": s.alias, "label": s.provider}
                for i, s in enumerate(snap.specs)
            ],
        },
    )
    streaming.publish(d.pk, "round.started", {"round": 1})
    streaming.publish(d.pk, "member.delta", {"member": 0, "round": 1, "text": '{"diagnosis": '})
    return Deliberation.objects.select_related("case").get(pk=d.pk)


def delta(d: Deliberation, member_index: int, text: str, round_no: int = 1) -> int:
    """Publish one member.delta and return its sequence number."""
    message = streaming.publish(
        d.pk, "member.delta", {"member": member_index, "round": round_no, "text": text}
    )
    return message["seq"]
