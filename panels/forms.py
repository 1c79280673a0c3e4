"""Forms behind the panel administration screens: the panel, its members, credentials and
the error rate of the reliability table."""

from __future__ import annotations

from typing import Any

from django import forms

from panels.models import Panel, PanelMember, ProviderCredential

MEMBER_COUNT_MISMATCH = (
    "n is {n} but the panel has {count} members. Add or remove members, or change n."
)
BAD_ERROR_RATE = "The error rate must be a number from 0 to 100 (percent); showing {default:g}%."
DEFAULT_ERROR_RATE_PERCENT = 10.0


class PanelForm(forms.ModelForm[Panel]):
    """The panel itself. ``Panel.clean`` refuses a broken (n, q, f) with the rule in words."""

    class Meta:
        model = Panel
        fields = [
            "name",
            "description",
            "is_default",
            "n",
            "q",
            "f",
            "agreement_level",
            "early_abort",
            "early_decision",
            "grace_period_s",
            "member_timeout_s",
        ]
        labels = {
            "n": "Members (n)",
            "q": "Quorum (q)",
            "f": "Faults tolerated (f)",
            "grace_period_s": "Grace period (seconds)",
            "member_timeout_s": "Member timeout (seconds)",
            "is_default": "Default panel",
        }
        help_texts = {
            "name": "Short name, letters, digits and dashes (shown to clinicians).",
            "is_default": "New cases go to the default panel. Only one panel can be the default.",
            "n": "How many members sit on the panel. The panel must have exactly this many.",
            "q": "How many votes one diagnosis needs to become the consensus. Must be more than "
            "half of n, so two diagnoses can never both win.",
            "f": "How many members may crash, time out or lie while the panel still works. "
            "Must be less than q, and n - f must still reach q.",
            "agreement_level": "When two members count as naming the same diagnosis: the same "
            "3-character ICD-10-CM category (J18 for any pneumonia), or the same full code.",
            "early_abort": "Skip the voting round when every first-round answer already agrees "
            "and reaches quorum.",
            "early_decision": "Stop waiting for votes once the outcome cannot change.",
            "grace_period_s": "Once n - f members have answered, how long the slower ones still "
            "get before they count as timed out.",
            "member_timeout_s": "How long one member call may take, unless the member sets "
            "its own timeout.",
        }

    def validate_constraints(self) -> None:
        # The three CheckConstraints restate the quorum rules that Panel.clean has already
        # explained in plain words; repeating them as "Constraint ... is violated" only adds
        # noise. Other constraints (one default panel) are still checked.
        if not self.instance.rules.problems():
            super().validate_constraints()


class PanelMemberForm(forms.ModelForm[PanelMember]):
    """One member seat, with labels and help in plain words."""

    class Meta:
        model = PanelMember
        fields = [
            "position",
            "alias",
            "provider",
            "model_name",
            "base_url",
            "credential",
            "temperature",
            "vote_temperature",
            "max_tokens",
            "timeout_s",
            "system_prompt",
            "fault_mode",
            "fault_target",
        ]
        labels = {
            "provider": "Vendor",
            "model_name": "Model",
            "base_url": "Base URL",
            "credential": "API key",
            "temperature": "Temperature (round 1)",
            "vote_temperature": "Temperature (round 2 vote)",
            "timeout_s": "Timeout (seconds)",
        }
        help_texts = {
            "position": "Seat order on the panel (0 first).",
            "alias": "Name shown on the case page, e.g. Agent-1. Unique within the panel.",
            "provider": "Who answers. The offline reference engine needs no key or model.",
            "model_name": "The vendor's model name, e.g. gpt-4o or claude-sonnet-4-5.",
            "base_url": "Only for OpenAI-compatible servers (Azure, OpenRouter, vLLM, Ollama). "
            "Empty: the vendor's own endpoint.",
            "credential": "The stored key this member calls with (only its last 4 characters "
            "are shown). Add keys under Provider credentials.",
            "temperature": "Randomness of the diagnosis. 0.2-0.3 is recommended.",
            "vote_temperature": "Randomness of the vote. 0.2-0.3 is recommended.",
            "max_tokens": "Longest answer the member may write, in tokens.",
            "timeout_s": "Empty: the panel's member timeout.",
            "system_prompt": "Extra instructions for this member. Empty: the standard prompt.",
            "fault_mode": "For testing only: make this member misbehave on purpose.",
            "fault_target": "The diagnosis a wrong or colluding member pushes.",
        }


class PanelMemberFormSet(forms.BaseInlineFormSet[PanelMember, Panel, Any]):
    """The members of one panel; refuses a member count that differs from the panel's n."""

    def clean(self) -> None:
        super().clean()
        # ``instance`` already carries the n entered on this submission (the admin builds the
        # formsets from the validated panel form).
        n = self.instance.n
        # Untouched extra forms have empty cleaned_data; forms ticked for deletion leave.
        count = len(
            [
                form
                for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
        )
        if n is not None and count != n:
            raise forms.ValidationError(MEMBER_COUNT_MISMATCH.format(n=n, count=count))


class CredentialForm(forms.ModelForm[ProviderCredential]):
    """Name, vendor and a write-only API key field."""

    # Write-only: the stored key is never rendered back, only its last 4 characters.
    api_key = forms.CharField(
        label="API key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        strip=True,
        help_text=(
            "Paste the key the vendor gave you. It is stored encrypted and never shown again, "
            "only its last 4 characters. Leave empty to keep the current key; enter a new one "
            "to replace it."
        ),
    )

    class Meta:
        model = ProviderCredential
        fields = ["name", "vendor"]
        help_texts = {
            "name": "A short name you will recognise when choosing it for a member.",
            "vendor": "The vendor this key belongs to.",
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk and not cleaned.get("api_key"):
            self.add_error("api_key", "A new credential needs an API key.")
        return cleaned

    def save(self, commit: bool = True) -> ProviderCredential:
        if key := self.cleaned_data.get("api_key"):
            self.instance.set_key(key)
        return super().save(commit=commit)


class ErrorRateForm(forms.Form):
    """The per-member error rate, in percent, that the reliability table is computed for."""

    p = forms.FloatField(
        label="Error rate per member (%)",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100"}),
    )

    def rate(self) -> float:
        """The validated rate as a probability, or the 10% default when the input is bad."""
        if self.is_valid():
            return float(self.cleaned_data["p"]) / 100
        return DEFAULT_ERROR_RATE_PERCENT / 100
