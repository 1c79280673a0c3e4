"""Starting a deliberation: the case text checks, the panel it runs on, and the one
transaction that creates the case with its queued deliberation."""

from __future__ import annotations

import random
from typing import NotRequired, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from cases import audit
from cases.models import Case, Deliberation
from panels.models import Panel
from panels.snapshot import PanelSnapshot

EMPTY_TEXT = "The case text is empty."
TEXT_TOO_LONG = "The case text has {length} characters; the limit is {limit}."
PANEL_NOT_FOUND = "There is no panel named {name!r}."


class CaseRejected(ValueError):
    """A case or panel that cannot be deliberated; the message says why, in one line."""


def validate_case_text(text: str) -> str:
    """The stripped case text, or CaseRejected when it is empty, over the size limit, or
    holds a control character (the one check of the form, the API and the command)."""
    from cases import input_rules

    stripped = text.strip()
    if not stripped:
        raise CaseRejected(EMPTY_TEXT)
    if problem := input_rules.control_character(stripped):
        raise CaseRejected(problem)
    limit = settings.CASE_TEXT_MAX_CHARS
    if len(stripped) > limit:
        raise CaseRejected(TEXT_TOO_LONG.format(length=len(stripped), limit=limit))
    return stripped


def resolve_panel(name: str | None) -> Panel:
    """The named panel (or the default one), checked ready to deliberate."""
    from cases import input_rules

    if name and (problem := input_rules.control_character(name, subject="The panel name")):
        raise CaseRejected(problem)  # PostgreSQL could not even look such a name up
    try:
        panel = (
            Panel.objects.get(name=name) if name else Panel.objects.filter(is_default=True).get()
        )
    except Panel.DoesNotExist:
        raise CaseRejected(PANEL_NOT_FOUND.format(name=name or "default")) from None
    try:
        panel.check_ready()
    except ValidationError as exc:
        raise CaseRejected(" ".join(exc.messages)) from None
    return panel


class NewCase(TypedDict):
    """What a case is created with besides its text: the panel it runs on, who submitted it,
    the optional age and sex, and for an evaluation case its altered copy of the panel's
    snapshot."""

    panel: Panel
    submitted_by_id: int | None
    age: NotRequired[int | None]
    sex: NotRequired[str]
    is_evaluation: NotRequired[bool]
    snapshot: NotRequired[PanelSnapshot | None]


def create(text: str, **fields: Unpack[NewCase]) -> Deliberation:
    """Validate the case and create it with a queued deliberation on a snapshot of the panel
    (or on ``snapshot``, an evaluation's altered copy of one), in one transaction. Raises
    CaseRejected and writes nothing when the input is bad. For evaluations and benches; a
    clinician's case enters through ``cases.intake.submit``."""
    return store(validate_case_text(text), **fields)


def store(text: str, **fields: Unpack[NewCase]) -> Deliberation:
    """Create the case, whose ``text`` already passed :func:`validate_case_text`, with a
    queued deliberation (see :func:`create`), in one transaction (joining the caller's)."""
    panel, submitted_by_id = fields["panel"], fields["submitted_by_id"]
    is_evaluation = fields.get("is_evaluation", False)
    snapshot = fields.get("snapshot")
    with transaction.atomic():
        case = Case.objects.create(
            text=text,
            age=fields.get("age"),
            sex=fields.get("sex", ""),
            submitted_by_id=submitted_by_id,
            is_evaluation=is_evaluation,
        )
        deliberation = Deliberation.objects.create(
            case=case,
            panel=panel,
            panel_snapshot=(snapshot or panel.snapshot()).to_json(),
            seed=random.SystemRandom().randrange(2**62),
        )
        if not is_evaluation:
            audit.record(
                "case.submitted", obj=case, actor_id=submitted_by_id, payload={"panel": panel.name}
            )
    return deliberation
