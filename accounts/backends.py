from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class ThrottledModelBackend(ModelBackend):
    """Django's backend, refusing a locked username before its password is checked (for
    every caller of ``authenticate``; the login forms also say why)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        from accounts import lockout

        if username and lockout.locked_until(username) is not None:
            raise PermissionDenied  # authenticate() stops here and reports a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)
