from __future__ import annotations

from typing import Any


class RevokeTokensOnPasswordChange:
    """Not a rule on passwords: Django calls ``password_changed`` of every configured
    validator whenever a user's password is saved (password change and reset pages, the
    admin, ``changepassword``), which is where all of that user's API tokens are revoked."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from cases import tokens

        tokens.revoke_all(user, actor=user, reason="password changed")

    def get_help_text(self) -> str:
        return "Changing your password revokes all your API tokens."
