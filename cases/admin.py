from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases import audit, limits
from cases.models import (
    Acknowledgement,
    AuditEvent,
    Case,
    CoSignature,
    Deliberation,
    DeliberationEvent,
    Escalation,
    Proposal,
    SeverityRule,
    SignOff,
    Vote,
)
from panels.admin import PanelAdmin, ProviderCredentialAdmin
from panels.models import Panel, ProviderCredential


class ReadOnlyAdmin[
    M: (
        Case
        | Deliberation
        | Proposal
        | Vote
        | DeliberationEvent
        | SignOff
        | AuditEvent
        | CoSignature
        | Acknowledgement
    )
](admin.ModelAdmin[M]):
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


@admin.register(CoSignature)
class CoSignatureAdmin(ReadOnlyAdmin[CoSignature]):
    list_display = ["signoff", "signer", "created_at"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin[Acknowledgement]):
    list_display = ["deliberation", "clinician", "decision", "created_at"]


@admin.register(SeverityRule)
class SeverityRuleAdmin(admin.ModelAdmin[SeverityRule]):
    """Administrators rate conditions DDXPlus does not know, by ICD-10-CM chapter or code."""

    list_display = ["code", "severity", "note"]
    search_fields = ["code", "note"]


# Panel and credential edits are audited here rather than in panels.admin, because panels
# never imports cases. This module loads after panels.admin (cases follows panels in
# INSTALLED_APPS), so it swaps in audited subclasses of the panels admins.
admin.site.unregister(Panel)
admin.site.unregister(ProviderCredential)


def _usd(amount: Decimal) -> str:
    # Offline and cheap members cost fractions of a cent: keep them visible.
    places = Decimal("0.01") if amount == 0 or abs(amount) >= 1 else Decimal("0.0001")
    return f"${amount.quantize(places)}"


def budget_statement(panel: Panel) -> str:
    """The panel's daily cost budget, what it has spent this UTC day (recorded from the
    members' prices) and what is left, in words."""
    day = limits.budget(panel)
    spent = f"Spent today (UTC day, estimated from the members' prices): {_usd(day.spent)}."
    if day.limit is None:
        return (
            "No daily cost budget: this panel may spend without limit (set "
            f"PANEL_DAILY_BUDGET_USD, or PANEL_DAILY_BUDGETS={panel.name}:25). {spent}"
        )
    left = day.limit - day.spent
    remaining = (
        f"Left: {_usd(left)}."
        if left > 0
        else "Left: nothing; new cases on this panel are refused until midnight UTC."
    )
    return f"Daily cost budget: {_usd(day.limit)} per UTC day. {spent} {remaining}"


@admin.register(Panel)
class AuditedPanelAdmin(PanelAdmin):
    """PanelAdmin that records "panel.created" / "panel.edited" with the member changes,
    and shows the panel's daily cost budget."""

    def budget_statement(self, panel: Panel) -> str:
        return budget_statement(panel)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Audited after the members are saved, so the event lists member changes too.
        super().save_related(request, form, formsets, change)
        members: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        for formset in formsets:
            members["added"] += [str(m) for m in formset.new_objects]
            members["changed"] += [str(m) for m, _fields in formset.changed_objects]
            members["removed"] += [str(m) for m in formset.deleted_objects]
        audit.record(
            "panel.edited" if change else "panel.created",
            obj=form.instance,
            actor_id=request.user.pk,
            payload={"name": form.instance.name, "fields": form.changed_data, "members": members},
        )


@admin.register(ProviderCredential)
class AuditedProviderCredentialAdmin(ProviderCredentialAdmin):
    """ProviderCredentialAdmin that records "credential.added" / ".rotated" / ".edited";
    the payload names the changed fields, never the key."""

    def save_model(
        self, request: HttpRequest, obj: ProviderCredential, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        rotated = bool(form.cleaned_data.get("api_key"))
        action = (
            "credential.added"
            if not change
            else "credential.rotated"
            if rotated
            else "credential.edited"
        )
        audit.record(
            action,
            obj=obj,
            actor_id=request.user.pk,
            payload={"name": obj.name, "vendor": obj.vendor, "fields": form.changed_data},
        )
