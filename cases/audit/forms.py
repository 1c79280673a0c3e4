"""The filters of the audit trail page and its exports (parsing only)."""

from __future__ import annotations

from django import forms


class AuditFilterForm(forms.Form):
    """Filters of the audit trail page and its exports; every field is optional."""

    action = forms.CharField(required=False, max_length=50)
    actor = forms.CharField(required=False, max_length=150, label="Actor (username)")
    object_type = forms.CharField(required=False, max_length=50)
    object_id = forms.CharField(required=False, max_length=50)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
