from __future__ import annotations

from django.db import models


class LoginThrottle(models.Model):
    """Wrong passwords for one username (login pages, admin login and sign-off password share
    it: it is the same secret). ``failures`` counts within the window that started at
    ``window_start``; past the threshold the account is locked until ``locked_until``."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.username}: {self.failures} wrong password(s)"
