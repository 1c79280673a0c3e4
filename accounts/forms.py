from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts import lockout


class _LockoutMessage(forms.Form):
    """Says plainly that the account is locked, and until when, instead of "wrong password"."""

    request: Any

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        until = lockout.locked_until(username) if username else None
        if until is not None:
            ip = str(self.request.META.get("REMOTE_ADDR", "")) if self.request else ""
            lockout.record_refused(username, scope="login", until=until, ip=ip)
            raise forms.ValidationError(lockout.locked_message(until), code="locked")
        return super().clean() or self.cleaned_data


class LoginForm(_LockoutMessage, AuthenticationForm):
    pass


class AdminLoginForm(_LockoutMessage, AdminAuthenticationForm):
    pass
