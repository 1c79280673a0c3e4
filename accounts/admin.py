from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import sessions
from accounts.forms import AdminLoginForm
from accounts.models import LoginThrottle
from cases import audit, tokens
from cases.models import ApiToken

admin.site.login_form = AdminLoginForm


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin[LoginThrottle]):
    """Wrong-password counters; deleting a row unlocks that username."""

    list_display = ["username", "failures", "window_start", "locked_until"]
    search_fields = ["username"]
    readonly_fields = ["username", "failures", "window_start", "locked_until"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: LoginThrottle) -> None:
        self._audit_unlock(request, [obj.username])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        self._audit_unlock(request, list(queryset.values_list("username", flat=True)))
        super().delete_queryset(request, queryset)

    def _audit_unlock(self, request: HttpRequest, usernames: list[str]) -> None:
        for username in usernames:
            audit.record(
                "auth.unlocked",
                object_type="auth.user",
                object_id=username[:50],
                actor_id=request.user.pk,
                payload={"username": username},
            )


def _admin(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin site only lets staff users in
    return request.user


class SecurityUserAdmin(UserAdmin[User]):
    """Django's user admin, plus ending a user's sessions and revoking their tokens."""

    actions = ["logout_everywhere", "revoke_tokens"]

    @admin.action(description="Log out everywhere (end all sessions)")
    def logout_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ended = 0
        for user in queryset:
            ended += sessions.end_all(user, actor=_admin(request))
        self.message_user(request, f"Ended {ended} session(s).", messages.SUCCESS)

    @admin.action(description="Revoke all API tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        revoked = 0
        for user in queryset:
            revoked += tokens.revoke_all(user, actor=_admin(request), reason="administrator")
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)


admin.site.unregister(User)
admin.site.register(User, SecurityUserAdmin)

_TOKEN_FIELDS: list[str] = [
    "prefix",
    "name",
    "user",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """API tokens: who, which, when used; revocation only (tokens are created by command)."""

    list_display = [*_TOKEN_FIELDS]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    fields = [*_TOKEN_FIELDS]
    readonly_fields = _TOKEN_FIELDS
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked tokens stay, for the record

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            1
            for row in queryset
            if tokens.revoke(row, actor=_admin(request), reason="administrator")
        )
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
