"""factory_boy factories with minimal defaults; `make_panel` builds a ready panel."""

from __future__ import annotations

from typing import Any

from factory.declarations import Sequence, SubFactory
from factory.django import DjangoModelFactory

from panels.models import Panel, PanelMember


class PanelFactory(DjangoModelFactory[Panel]):
    class Meta:
        model = Panel
        django_get_or_create = ("name",)

    name = Sequence(lambda i: f"panel-{i}")
    n = 5
    q = 3
    f = 2
    grace_period_s = 0.2
    member_timeout_s = 5.0


class PanelMemberFactory(DjangoModelFactory[PanelMember]):
    class Meta:
        model = PanelMember

    panel = SubFactory(PanelFactory)
    position = Sequence(int)
    alias = Sequence(lambda i: f"Agent-{i + 1}")
    provider = "builtin"


def make_panel(name: str, members: list[dict[str, Any]], **panel_fields: Any) -> Panel:
    """A panel whose n matches ``members`` (each a dict of PanelMember fields)."""
    panel_fields.setdefault("n", len(members))
    panel = PanelFactory.create(name=name, **panel_fields)
    for position, fields in enumerate(members):
        fields = {"alias": f"Agent-{position + 1}", **fields}
        PanelMemberFactory.create(panel=panel, position=position, **fields)
    return panel
