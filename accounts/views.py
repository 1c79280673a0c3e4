"""The user's own security page: API tokens (revoke) and "log out everywhere"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import sessions
from accounts.http import AuthenticatedRequest
from cases import tokens
from cases.models import ApiToken

LOGGED_OUT_EVERYWHERE = "You were signed out everywhere: {count} session(s) ended."
TOKEN_REVOKED = "Token {token} revoked: scripts using it are refused from now on."


@require_GET
@login_required
def security_page(request: AuthenticatedRequest) -> HttpResponse:
    """Your API tokens and the button that ends all your sessions."""
    rows = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/security.html", {"tokens": rows})


@require_POST
@login_required
def logout_everywhere(request: AuthenticatedRequest) -> HttpResponse:
    """End every session of the signed-in user, this one included."""
    user = request.user
    count = sessions.end_all(user, actor=user)
    logout(request)
    messages.success(request, LOGGED_OUT_EVERYWHERE.format(count=count))
    return redirect("login")


@require_POST
@login_required
def revoke_token(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    """Revoke one of your own tokens (another user's token is a 404)."""
    row = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if row is None:
        raise Http404("No such token.")
    tokens.revoke(row, actor=request.user, reason="user")
    messages.success(request, TOKEN_REVOKED.format(token=row))
    return redirect("accounts:security")
