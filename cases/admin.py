from django.contrib import admin
from django.http import HttpRequest

from cases.models import (
    AuditEvent,
    Case,
    Deliberation,
    DeliberationEvent,
    Escalation,
    Proposal,
    SignOff,
    Vote,
)


class ReadOnlyAdmin[M: "Case | Deliberation | Proposal | Vote | DeliberationEvent | SignOff | AuditEvent"](
    admin.ModelAdmin[M]
):
    """The record of what the panel and reviewers did is evidence: viewable, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin[Case]):
    list_display = ["id", "submitted_by", "status", "is_evaluation", "created_at"]
    list_filter = ["status", "is_evaluation"]


@admin.register(Deliberation)
class DeliberationAdmin(ReadOnlyAdmin[Deliberation]):
    list_display = ["id", "case", "status", "outcome", "reason", "winner_diagnosis", "created_at"]
    list_filter = ["status", "outcome", "reason"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin[Proposal]):
    list_display = ["deliberation", "alias", "status", "diagnosis", "icd10", "confidence"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin[Vote]):
    list_display = ["deliberation", "alias", "status", "letter", "class_key"]


@admin.register(DeliberationEvent)
class DeliberationEventAdmin(ReadOnlyAdmin[DeliberationEvent]):
    list_display = ["deliberation", "seq", "type", "created_at"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin[SignOff]):
    list_display = ["escalation", "signer", "diagnosis", "icd10", "created_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin[AuditEvent]):
    list_display = ["id", "action", "actor", "object_type", "object_id", "created_at"]
    list_filter = ["action"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin[Escalation]):
    list_display = ["id", "case", "reason", "status", "priority", "claimed_by", "created_at"]
    list_filter = ["status", "reason"]
