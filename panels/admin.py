from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from panels import checks
from panels.models import ModelPrice, Panel, PanelMember, ProviderCredential


class PanelMemberInline(admin.TabularInline[PanelMember, Panel]):
    model = PanelMember
    extra = 0
    fields = [
        "position",
        "alias",
        "provider",
        "model_name",
        "base_url",
        "credential",
        "temperature",
        "vote_temperature",
        "timeout_s",
        "fault_mode",
        "fault_target",
    ]


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin[Panel]):
    list_display = ["name", "n", "q", "f", "agreement_level", "early_abort", "is_default"]
    inlines = [PanelMemberInline]
    actions = ["test_connection"]

    @admin.action(description="Test connection of every member")
    def test_connection(self, request: HttpRequest, queryset: Any) -> None:
        for panel in queryset:
            _report(self, request, checks.check_panel(panel))


class CredentialForm(forms.ModelForm[ProviderCredential]):
    # Write-only: the stored key is never rendered back, only its last 4 characters.
    api_key = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Enter a key to set or rotate it. Leave empty to keep the current key.",
    )

    class Meta:
        model = ProviderCredential
        fields = ["name", "vendor"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk and not cleaned.get("api_key"):
            self.add_error("api_key", "A new credential needs an API key.")
        return cleaned

    def save(self, commit: bool = True) -> ProviderCredential:
        if key := self.cleaned_data.get("api_key"):
            self.instance.set_key(key)
        return super().save(commit=commit)


@admin.register(ProviderCredential)
class ProviderCredentialAdmin(admin.ModelAdmin[ProviderCredential]):
    form = CredentialForm
    list_display = ["name", "vendor", "masked", "rotated_at"]
    actions = ["test_connection"]

    @admin.action(description="Test connection")
    def test_connection(self, request: HttpRequest, queryset: Any) -> None:
        for credential in queryset:
            _report(self, request, checks.check_credential(credential))

    @admin.display(description="Key")
    def masked(self, obj: ProviderCredential) -> str:
        return f"…{obj.last4}"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["masked"] if obj else []


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin[ModelPrice]):
    list_display = [
        "provider",
        "model_name",
        "input_usd_per_mtok",
        "output_usd_per_mtok",
        "updated_at",
    ]
    list_filter = ["provider"]
    search_fields = ["model_name"]


def _report(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, results: list[checks.CheckResult]
) -> None:
    # One message per check; the messages framework escapes the vendor's text.
    for result in results:
        model_admin.message_user(
            request,
            f"{result.subject}: {'OK' if result.ok else 'FAILED'}. {result.message}",
            messages.SUCCESS if result.ok else messages.ERROR,
        )
