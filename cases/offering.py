"""Which panels a user may submit a case to: the one rule the new-case form and the API share.

Administrators may use every panel; everyone else the default panel and those an
administrator marked "offered to clinicians" (``chaos`` and new panels are not, until then).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from cases.models import Role, has_role
from panels.models import Panel

PANEL_NOT_OFFERED = "The panel {name!r} is not offered for new cases; choose another panel."


class PanelNotOffered(Exception):
    """The user may not submit to this panel; the message says which and what to do."""


def offered_panels(user: object) -> QuerySet[Panel]:
    """The panels ``user`` may choose."""
    if isinstance(user, AbstractBaseUser) and has_role(user, Role.ADMINISTRATOR):
        return Panel.objects.all()
    return Panel.objects.filter(Q(is_default=True) | Q(offered_to_clinicians=True))


def check_offered(user: object, panel: Panel) -> Panel:
    """``panel`` when ``user`` may submit to it; raises :class:`PanelNotOffered` otherwise."""
    if not offered_panels(user).filter(pk=panel.pk).exists():
        raise PanelNotOffered(PANEL_NOT_OFFERED.format(name=panel.name))
    return panel
