"""Evaluation runs over labelled patients and their items (``manage.py evaluate``)."""

from __future__ import annotations

from django.db import models

from cases.models.deliberation import Deliberation


class EvaluationRun(models.Model):
    """One ``manage.py evaluate`` run: the panel, the patient rows, the faults injected into
    this run's copy of the panel, and the figures measured (``results``, as in results.json)."""

    panel_name = models.CharField(max_length=50)
    source = models.CharField(max_length=500, help_text="The CSV of patient rows.")
    options = models.JSONField(default=dict, help_text="Limit, seed, faults, concurrency.")
    results = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evaluation {self.pk} on {self.panel_name}"


class EvaluationItem(models.Model):
    """One patient of an evaluation run: its deliberation and the ground truth. ``true_classes``
    are the class keys (at the panel's agreement level) that count as the right answer."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="items")
    deliberation = models.OneToOneField(
        Deliberation, on_delete=models.CASCADE, related_name="evaluation_item"
    )
    row_index = models.PositiveIntegerField(help_text="Row of the CSV, counted from 0.")
    pathology = models.CharField(max_length=100)
    icd10 = models.CharField(max_length=30, help_text="As the knowledge base spells it.")
    true_classes = models.JSONField(default=list)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["run", "row_index", "id"]

    def __str__(self) -> str:
        return f"{self.pathology} (row {self.row_index})"
