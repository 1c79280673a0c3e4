"""Panel configuration screens: panels with their members, vendor credentials and prices.

The panel change page explains the configuration: its guarantees in words, warnings about
correlated members, and the exact reliability table for an error rate the administrator picks
(GET parameter ``p``, in percent). Auditing of these edits is added by ``cases.admin``, which
re-registers subclasses of these admins: ``panels`` never imports ``cases``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from panels import checks, quorum
from panels.correlation import correlation_warnings
from panels.forms import (
    BAD_ERROR_RATE,
    DEFAULT_ERROR_RATE_PERCENT,
    CredentialForm,
    ErrorRateForm,
    PanelForm,
    PanelMemberForm,
    PanelMemberFormSet,
)
from panels.models import ModelPrice, Panel, PanelMember, ProviderCredential


def percent(probability: float) -> str:
    """``probability`` as a percentage with three decimals; values that would round to 0% or
    100% without being exactly that are shown as "<0.001%" and ">99.999%"."""
    # Float sums leave residues near 1e-16 where the exact value is 0 or 1 (e.g. "no
    # consensus" with k=1); those are shown as the exact value, not as "<0.001%".
    if abs(probability) < 1e-12:
        probability = 0.0
    elif abs(1 - probability) < 1e-12:
        probability = 1.0
    value = probability * 100
    if 0 < value < 0.0005:
        return "<0.001%"
    if 99.9995 <= value < 100:
        return ">99.999%"
    return f"{value:.3f}%"


def _share(value: float) -> str:
    return f"{round(value * 100, 2):g} %"


def _count(n: int) -> str:
    return f"{n:,}"


def _source(entry: dict[str, Any]) -> str:
    """One calibration source in words: "196 free-text notes", "1,000 DDXPlus rows held out
    of the members' training"."""
    n = int(entry.get("n", 0))
    if entry.get("kind") == "cases":
        return f"{_count(n)} free-text notes"
    seen = int(entry.get("in_training", 0))
    if seen >= n:
        return f"{_count(n)} DDXPlus rows the members trained on"
    if int(entry.get("folds", 0)):
        return f"{_count(n)} DDXPlus rows held out of the members' training"
    return f"{_count(n)} DDXPlus rows, {_count(seen)} of them possibly seen in training"


def _sources(calibration: dict[str, Any]) -> str:
    files = [entry for entry in calibration.get("files", []) if isinstance(entry, dict)]
    if not files:
        return ""
    words = [_source(entry) for entry in files]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f" ({listed})"


def _per_source(calibration: dict[str, Any]) -> str:
    """How each source fared at the chosen threshold, when there are several: the pooled
    figure can hide a kind of case the panel does worse on."""
    files = [entry for entry in calibration.get("files", []) if isinstance(entry, dict)]
    if len(files) < 2 or any("decided" not in entry for entry in files):
        return ""
    parts = [
        f"of the {_source(entry)} it decides {_count(int(entry['decided']))}, "
        f"{_count(int(entry['wrong']))} of them wrong"
        for entry in files
    ]
    return " By kind: " + "; ".join(parts) + "."


def guarantee_statement(calibration: dict[str, Any], *, min_confidence: int) -> str:
    """The calibrated error guarantee in words, from the provenance ``manage.py calibrate``
    stored ("On 1,196 labelled cases (196 free-text notes and 1,000 DDXPlus rows held out of
    the members' training), with 95 % confidence, at most 5 % of the cases this panel decides
    are wrong; it decides 83 % of them."), that it holds for cases like those, how each kind
    of case fared, or "" for an uncalibrated panel. Says so when min_confidence has been
    changed since, because the statement then no longer holds."""
    try:
        n, alpha, delta = (
            int(calibration["n"]),
            float(calibration["alpha"]),
            float(calibration["delta"]),
        )
        coverage, threshold = float(calibration["coverage"]), int(calibration["min_confidence"])
    except (KeyError, TypeError, ValueError):
        return ""
    statement = (
        f"On {_count(n)} labelled cases{_sources(calibration)}, with {_share(1 - delta)} "
        f"confidence, at most {_share(alpha)} of the cases this panel decides are wrong; it "
        f"decides {round(coverage * 100)} % of them. The guarantee holds for cases like "
        "these, drawn the same way; it says nothing about other kinds of case."
        f"{_per_source(calibration)} (min_confidence {threshold}, calibrated "
        f"{str(calibration.get('date', ''))[:10]} on {calibration.get('cases', 'labelled cases')}.)"
    )
    if min_confidence != threshold:
        statement += (
            f" The panel's min_confidence has since been changed to {min_confidence}: this "
            "guarantee does not hold for it until the panel is calibrated again."
        )
    return statement


def member_warnings(members: Iterable[PanelMember]) -> list[str]:
    """The correlation warnings (see :mod:`panels.correlation`) for saved members."""
    return correlation_warnings([m.snapshot().spec for m in members])


def reliability_rows(panel: Panel, *, p: float) -> list[dict[str, Any]]:
    """The rows of ``quorum.reliability_table`` for ``panel`` at error rate ``p``, formatted."""
    return [
        {
            "b": b,
            "k": k,
            "correct": percent(r.correct),
            "wrong": percent(r.wrong),
            "none": percent(r.none),
        }
        for b, k, r in quorum.reliability_table(n=panel.n, q=panel.q, p=p)
    ]


class PanelMemberInline(admin.StackedInline[PanelMember, Panel]):
    model = PanelMember
    form = PanelMemberForm
    formset = PanelMemberFormSet
    extra = 0

    fieldsets = [
        (
            "Who answers",
            {"fields": [("position", "alias"), "provider", "model_name", "base_url", "credential"]},
        ),
        (
            "How it answers",
            {
                "fields": [
                    ("temperature", "vote_temperature"),
                    ("max_tokens", "timeout_s"),
                    "system_prompt",
                ]
            },
        ),
        (
            "Fault injection (testing only)",
            {"fields": [("fault_mode", "fault_target")], "classes": ["collapse"]},
        ),
    ]

    def get_extra(self, request: HttpRequest, obj: Panel | None = None, **kwargs: Any) -> int:
        # A new panel starts with one empty seat per member of the default n, so the
        # administrator fills in seats instead of clicking "Add another" n times.
        default_n = Panel._meta.get_field("n").get_default()
        return int(default_n) if obj is None else 0


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin[Panel]):
    form = PanelForm
    list_display = [
        "name",
        "n",
        "q",
        "f",
        "agreement_level",
        "early_abort",
        "is_default",
        "offered_to_clinicians",
    ]
    inlines = [PanelMemberInline]
    actions = ["test_connection"]
    fieldsets = [
        (None, {"fields": ["name", "description", "is_default", "offered_to_clinicians"]}),
        (
            "Quorum",
            {
                "fields": [("n", "q", "f"), "agreement_level"],
                "description": "A panel of n members decides when q of them vote for one "
                "diagnosis and keeps working when up to f of them fail. The rules: q more than "
                "half of n, q more than f, and n - f at least q.",
            },
        ),
        (
            "Speed",
            {
                "fields": [
                    "early_abort",
                    "early_decision",
                    ("grace_period_s", "member_timeout_s"),
                ]
            },
        ),
        (
            "When the panel is unsure",
            {
                "fields": ["min_confidence", ("audit_rate", "dissent_action")],
                "description": "Minimum confidence: a member answering with less confidence "
                "(0-100) counts as not knowing; it is shown, but its answer gets no votes. "
                "0 counts every answer. Audit rate: the share of decided cases (0 to 1; 0.05 "
                "is one in twenty) that also go to a reviewer, to check the panel on real "
                "cases; the clinician sees the answer meanwhile. Dangerous dissent: when a "
                "confident member names a severe condition (severity 1 or 2) that the panel "
                "did not choose, the answer always carries a warning; choose whether the "
                "case also goes to a reviewer.",
            },
        ),
    ]

    @admin.action(description="Test connection of every member")
    def test_connection(self, request: HttpRequest, queryset: Any) -> None:
        for panel in queryset:
            _report(self, request, checks.check_panel(panel))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The summary describes the saved panel, not a rejected submission.
        panel = self.get_object(request, unquote(object_id))
        if panel is not None:
            extra_context = {**(extra_context or {}), **self._summary(request, panel)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _summary(self, request: HttpRequest, panel: Panel) -> dict[str, Any]:
        if "p" in request.GET:
            rate_form = ErrorRateForm(request.GET)
            p = rate_form.rate()
            rate_error = (
                ""
                if rate_form.is_valid()
                else BAD_ERROR_RATE.format(default=DEFAULT_ERROR_RATE_PERCENT)
            )
        else:
            rate_form = ErrorRateForm(initial={"p": f"{DEFAULT_ERROR_RATE_PERCENT:g}"})
            p, rate_error = DEFAULT_ERROR_RATE_PERCENT / 100, ""
        # A stored panel always passes the rules (CheckConstraints); checked anyway so a row
        # written around them shows its problems instead of a crash in the table.
        problems = panel.rules.problems()
        return {
            "panel_guarantees": "" if problems else panel.rules.guarantees,
            "panel_calibration": guarantee_statement(
                panel.calibration or {}, min_confidence=panel.min_confidence
            ),
            "panel_problems": problems,
            "panel_warnings": member_warnings(panel.members.all()),
            "rate_form": rate_form,
            "rate_error": rate_error,
            "error_rate_percent": f"{p * 100:g}",
            "reliability_rows": [] if problems else reliability_rows(panel, p=p),
            "panel_budget": self.budget_statement(panel),
        }

    def budget_statement(self, panel: Panel) -> str:
        """The panel's daily cost budget and today's spend, in words. Spending is recorded
        by ``cases``, which ``panels`` does not import: ``cases.admin`` fills this in."""
        return ""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Warned after the members are saved, so the warnings describe the panel as stored.
        for warning in member_warnings(form.instance.members.all()):
            self.message_user(request, warning, messages.WARNING)


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
