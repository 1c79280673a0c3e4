"""The new-case form: parses the input; ``cases.intake.submit`` checks it (text, panel,
limits) once, and the view puts its refusal on the field it names."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator

from cases import queries
from cases.models import Sex
from cases.offering import offered_panels


class RuleCharField(forms.CharField):
    """A CharField without Django's own null-character check, which would answer a NUL
    with its words before the form's clean method gives the product's one rule
    (``cases.input_rules``, as the API and the command do)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]


class CaseForm(forms.Form):
    # No maxlength attribute on purpose: a browser would silently cut pasted text at the
    # limit, and a clinician must see that the case is too long, not lose its end.
    # Not required at the form level so an empty case gets the intake's message; the widget
    # still carries `required` for the browser.
    text = RuleCharField(
        label="Case",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true", "required": True}),
    )
    age = forms.IntegerField(label="Age (years)", required=False, min_value=0, max_value=130)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, required=False)
    # A CharField with a select: an unknown name gets the intake's message, not Django's
    # generic "select a valid choice".
    panel = RuleCharField(label="Panel", widget=forms.Select)

    def __init__(self, *args: object, user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["text"].help_text = (
            f"Free text: history, findings, results. Up to "
            f"{settings.CASE_TEXT_MAX_CHARS:,} characters."
        )
        self.user = user
        panels = list(offered_panels(user).order_by("-is_default", "name"))
        panel_field = self.fields["panel"]
        assert isinstance(panel_field.widget, forms.Select)
        panel_field.widget.choices = [
            (p.name, f"{p.name} ({p.n} members, {p.q} to decide){' · default' * p.is_default}")
            for p in panels
        ]
        default = next((p.name for p in panels if p.is_default), None)
        if default:
            panel_field.initial = default


class CaseSearchForm(forms.Form):
    """Search the case list: words in the case text, a date range and the outcome."""

    q = forms.CharField(label="Words in the case", required=False, max_length=200)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "All outcomes"), *queries.OUTCOME_FILTERS.items()],
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def query_string(self) -> str:
        """The search as URL parameters (for the pagination links)."""
        kept = {k: str(v) for k, v in self.cleaned_data.items() if v}
        return urlencode(kept)
