"""The one way a case enters: :func:`submit`, called by the new-case form, the API and the
``deliberate`` command.

It checks who submits, the case text (once), the panel and whether it is offered to the
user, the submission limits, and then creates the case, its queued deliberation and its
outbox row (the durable record that it must run) in one transaction; the runner starts once
that transaction commits. A refusal raises before anything is written; its message is the
one the form, the API and the command show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from cases import deliberation, limits, runners
from cases.deliberation import CaseRejected
from cases.models import CANNOT_SUBMIT, Case, Deliberation, IdempotentSubmission, can_submit_cases
from cases.offering import PanelNotOffered, check_offered
from panels.models import Panel

IDEMPOTENCY_KEY_MAX = 200
IDEMPOTENCY_KEY_TOO_LONG = f"Idempotency-Key is over {IDEMPOTENCY_KEY_MAX} characters."
IDEMPOTENCY_MISMATCH = "This Idempotency-Key was used for a different request."


class InvalidInput(CaseRejected):
    """Inputs refused: ``problems`` maps each ("text", "panel") to why, so a form can show
    every one at once; the message joins them."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class CannotSubmit(Exception):
    """The user may not submit cases at all (their role)."""


class IdempotencyRefused(Exception):
    """The Idempotency-Key is too long, or was used by this user for a different request."""


# Everything submit() refuses with (SubmissionLimited is a CaseRejected).
REFUSALS: tuple[type[Exception], ...] = (
    CaseRejected,
    PanelNotOffered,
    CannotSubmit,
    IdempotencyRefused,
)


def problems(refusal: Exception) -> dict[str | None, str]:
    """Each input a refusal is about ("text", "panel"; None for the whole submission: a
    limit, the user's role) with its message."""
    if isinstance(refusal, InvalidInput):
        return dict[str | None, str](refusal.problems.items())
    if isinstance(refusal, PanelNotOffered):
        return {"panel": str(refusal)}
    return {None: str(refusal)}


@dataclass(frozen=True)
class Submitted:
    """The case and its deliberation; ``replayed`` when an Idempotency-Key named an earlier
    submission, which is returned instead of a new case."""

    case: Case
    deliberation: Deliberation
    replayed: bool = False


def submit(
    *,
    text: str,
    panel_name: str | None,
    user: User | None,
    age: int | None = None,
    sex: str = "",
    idempotency_key: str = "",
    request_hash: str = "",
    run_here: bool = False,
) -> Submitted:
    """Create a case from ``text`` on the panel ``panel_name`` (the default panel when
    empty) for ``user`` (None: the operator at the command line, who may use any panel),
    and start its deliberation once the transaction commits. ``run_here``: the caller runs
    it itself, in the foreground; it is recorded as sent, so a sweeper re-queues it only
    when that run is lost.

    With an ``idempotency_key`` (and the ``request_hash`` of the request it came with), the
    same user sending the same key again gets the first case back; a different request under
    that key is refused.

    Raises CannotSubmit, IdempotencyRefused, InvalidInput, PanelNotOffered or
    limits.SubmissionLimited, and then writes nothing."""
    if user is not None and not can_submit_cases(user):
        raise CannotSubmit(CANNOT_SUBMIT)
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise IdempotencyRefused(IDEMPOTENCY_KEY_TOO_LONG)
    if idempotency_key and (first := _first(user, idempotency_key, request_hash)) is not None:
        return first
    checked, panel = _checked(text, panel_name)
    if user is not None:
        check_offered(user, panel)
    user_id = user.pk if user is not None else None
    limits.check_submission(checked, panel=panel, user_id=user_id)
    try:
        # The case, its deliberation, its outbox row and its key commit together or not at all.
        with transaction.atomic():
            created = deliberation.store(
                checked, panel=panel, submitted_by_id=user_id, age=age, sex=sex
            )
            if idempotency_key:
                assert user is not None, "an Idempotency-Key is a user's"
                IdempotentSubmission.objects.create(
                    user=user, key=idempotency_key, request_hash=request_hash, case=created.case
                )
            if run_here:
                runners.run_here(created.pk)
            else:
                runners.start(created.pk)
    except IntegrityError:
        # The same key raced in from a parallel retry, which won: answer with its case.
        if idempotency_key and (first := _first(user, idempotency_key, request_hash)):
            return first
        raise
    return Submitted(case=created.case, deliberation=created)


def _checked(text: str, panel_name: str | None) -> tuple[str, Panel]:
    # Both inputs are checked before either is refused, so a form shows every problem.
    found: dict[str, str] = {}
    try:
        checked = deliberation.validate_case_text(text)
    except CaseRejected as exc:
        found["text"] = str(exc)
    try:
        panel = deliberation.resolve_panel(panel_name)
    except CaseRejected as exc:
        found["panel"] = str(exc)
    if found:
        raise InvalidInput(found)
    return checked, panel


def _first(user: User | None, key: str, request_hash: str) -> Submitted | None:
    found = IdempotentSubmission.objects.select_related("case").filter(user=user, key=key).first()
    if found is None:
        return None
    if found.request_hash != request_hash:
        raise IdempotencyRefused(IDEMPOTENCY_MISMATCH)
    latest = found.case.deliberations.order_by("-id").first()
    assert latest is not None  # a submitted case always has its deliberation
    return Submitted(case=found.case, deliberation=latest, replayed=True)
