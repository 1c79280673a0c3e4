"""The rows of the keyed, anchored audit chain (written by ``cases.audit``)."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change in the keyed, anchored audit chain (see ``cases.audit``): ``seq``
    is gap-free from 1, ``hash`` is an HMAC under the key named by ``key_id`` over the
    fields and ``prev_hash`` (``key_id`` empty: an unkeyed event from before the chain was
    keyed)."""

    seq = models.PositiveBigIntegerField(unique=True)
    key_id = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    @property
    def payload_json(self) -> str:
        """The payload as JSON, as the exports write it."""
        return json.dumps(self.payload, sort_keys=True, ensure_ascii=False)
