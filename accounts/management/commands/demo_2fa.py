"""Give the demo reviewers and administrator an authenticator (TOTP) device and print its key,
so `make run`'s demo logins get through the second factor. Safe to run again: an existing
device is kept and its key printed again."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_2FA_USERS = ["reviewer", "reviewer2", "admin"]


class Command(BaseCommand):
    help = "Create TOTP devices for the demo reviewer, reviewer2 and admin; print their keys."

    def handle(self, *args: Any, **options: Any) -> None:
        for user in User.objects.filter(username__in=DEMO_2FA_USERS).order_by("username"):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
            key = base64.b32encode(device.bin_key).decode()
            self.stdout.write(
                f"demo_2fa: {user.username}: authenticator key {key} "
                f"(current code: manage.py totp_code {user.username})"
            )
