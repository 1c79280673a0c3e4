"""The audit trail pages, mounted at ``audit/`` (administrators only)."""

from django.urls import path

from cases.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export.csv", views.audit_export, {"fmt": "csv"}, name="export_csv"),
    path("export.jsonl", views.audit_export, {"fmt": "jsonl"}, name="export_jsonl"),
]
