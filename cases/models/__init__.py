"""WHAT is deliberated: cases, their deliberations, every proposal, vote and event, and the
human side (escalations, sign-offs, the audit trail).

One module per part of the story: ``access`` (roles, API tokens), ``case``, ``deliberation``
(with its events and run record), ``turns`` (proposals and votes), ``escalation`` (the queue,
sign-offs, acknowledgements, severity rules), ``audit`` and ``evaluation``. Every model and
choice is re-exported here: ``from cases.models import Case`` is how callers import them.
"""

from cases.models.access import (
    CANNOT_SUBMIT,
    ApiToken,
    Role,
    can_submit_cases,
    has_role,
)
from cases.models.audit import (
    AuditEvent,
)
from cases.models.case import (
    Case,
    CaseQuerySet,
    CaseStatus,
    IdempotentSubmission,
    Sex,
)
from cases.models.deliberation import (
    ABSTAINED_MARK,
    ABSTAINED_VOTE,
    ABSTENTIONS_TEXT,
    BELOW_THRESHOLD_MARK,
    DELIBERATION_TERMINAL,
    FAULT_STATUSES,
    REASON_LABELS,
    Deliberation,
    DeliberationEvent,
    DeliberationRun,
    DeliberationStatus,
    Outcome,
    TurnStatus,
    WinnerSummary,
    proposal_mark,
    reason_words,
)
from cases.models.escalation import (
    SEVERITY_RULE_BAD_CODE,
    Acknowledgement,
    AcknowledgementDecision,
    AppendOnlyError,
    AppendOnlyModel,
    AppendOnlyQuerySet,
    CoSignature,
    Escalation,
    EscalationReason,
    EscalationStatus,
    SeverityRule,
    SignOff,
)
from cases.models.evaluation import (
    EvaluationItem,
    EvaluationRun,
)
from cases.models.turns import (
    MemberTurn,
    Proposal,
    Vote,
)

__all__ = [
    "ABSTAINED_MARK",
    "ABSTAINED_VOTE",
    "ABSTENTIONS_TEXT",
    "Acknowledgement",
    "AcknowledgementDecision",
    "ApiToken",
    "AppendOnlyError",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "AuditEvent",
    "BELOW_THRESHOLD_MARK",
    "CANNOT_SUBMIT",
    "Case",
    "CaseQuerySet",
    "CaseStatus",
    "CoSignature",
    "DELIBERATION_TERMINAL",
    "Deliberation",
    "DeliberationEvent",
    "DeliberationRun",
    "DeliberationStatus",
    "Escalation",
    "EscalationReason",
    "EscalationStatus",
    "EvaluationItem",
    "EvaluationRun",
    "FAULT_STATUSES",
    "IdempotentSubmission",
    "MemberTurn",
    "Outcome",
    "Proposal",
    "REASON_LABELS",
    "Role",
    "SEVERITY_RULE_BAD_CODE",
    "SeverityRule",
    "Sex",
    "SignOff",
    "TurnStatus",
    "Vote",
    "WinnerSummary",
    "can_submit_cases",
    "has_role",
    "proposal_mark",
    "reason_words",
]
