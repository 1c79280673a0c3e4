"""Forms of the escalation pages. They only parse input; every rule (required rationale,
valid billable code, password, who may sign) is checked once, in ``cases.escalation``."""

from __future__ import annotations

from django import forms

from cases import wording
from cases.models import AcknowledgementDecision, EscalationReason

OTHER = "other"


class SignOffForm(forms.Form):
    """A final diagnosis: a proposal id or ``other`` with a code, a rationale, a password."""

    choice = forms.CharField(required=False)
    icd10 = forms.CharField(required=False, max_length=20, label="ICD-10-CM code")
    diagnosis = forms.CharField(required=False, max_length=200, label="Diagnosis (optional)")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    password = forms.CharField(
        required=False,
        strip=False,
        label="Your password (to sign)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def proposal_id(self) -> int | None:
        """The chosen proposal's id, or None for "another diagnosis" / nothing chosen."""
        choice = self.cleaned_data.get("choice") or ""
        return int(choice) if choice.isdigit() else None

    def other_code(self) -> str:
        """The entered code, only when "another diagnosis" is chosen (or nothing is)."""
        if self.proposal_id() is not None:
            return ""
        return str(self.cleaned_data.get("icd10") or "")


class CoSignForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    password = forms.CharField(
        required=False,
        strip=False,
        label="Your password (to co-sign)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReassignForm(forms.Form):
    to = forms.CharField(max_length=150, label="Reviewer")


class AcknowledgeForm(forms.Form):
    decision = forms.ChoiceField(choices=AcknowledgementDecision.choices)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QueueSearchForm(forms.Form):
    """Search the review queue by words in the case text and by reason."""

    q = forms.CharField(label="Words in the case", required=False, max_length=200)
    reason = forms.ChoiceField(label="Reason", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [
            ("", "Any reason"),
            *((code, wording.reason_label(code)) for code in EscalationReason.values),
        ]
