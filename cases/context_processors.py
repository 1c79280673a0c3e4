"""Template context for role-aware navigation."""

from __future__ import annotations

from django.http import HttpRequest

from cases.models import Role, can_submit_cases, has_role


def roles(request: HttpRequest) -> dict[str, object]:
    """``roles``: which of the product's roles the signed-in user holds."""
    user = request.user
    return {
        "roles": {
            "clinician": has_role(user, Role.CLINICIAN),
            "reviewer": has_role(user, Role.REVIEWER),
            "administrator": has_role(user, Role.ADMINISTRATOR),
            "can_submit": can_submit_cases(user),
        }
    }
