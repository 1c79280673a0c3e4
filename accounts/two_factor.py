"""The TOTP second factor (django-otp) for reviewers and administrators.

Once signed in with a password, a reviewer, an administrator or a staff user reaches no page
and no session API call (so neither the sign-off nor the admin) until the session is
verified with a code from an authenticator app; the first time they are sent to enrol one.
Wrong codes count toward the same lockout as wrong passwords. A signature through the
API without a verified session (a bearer token) carries its own code (:func:`check_code`).
``OTP_REQUIRED`` turns the requirement off (tests of other features only)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout
from cases import audit
from cases.models import Role, has_role

SECOND_FACTOR_REQUIRED = (
    "Reviewers and administrators need a second factor: verify this session with a code "
    "from your authenticator app at /accounts/2fa/verify/."
)
CODE_REQUIRED = (
    "Signing needs your second factor: send otp_code, the current 6-digit code from your "
    "authenticator app."
)
NOT_ENROLLED = (
    "Signing needs a second factor and you have none yet: enrol an authenticator app at "
    "/accounts/2fa/setup/, then send its current code as otp_code."
)
WRONG_CODE = "That code is not right (or was already used). Enter the current 6-digit code."
# Paths an unverified reviewer may still reach: enrolling, verifying, leaving, assets.
_OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/login/", "/static/")


def needs_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Reviewers, administrators and staff must verify a TOTP code each session."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    return has_role(user, Role.REVIEWER) or has_role(user, Role.ADMINISTRATOR)


def has_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def enrolment_device(user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created with a new secret if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirm an enrolment with its first code and verify the session with it."""
    if not device.verify_token(code.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record("auth.2fa_enrolled", obj=device.user, actor_id=device.user_id)
    return True


def verify(request: HttpRequest, user: User, code: str) -> str | None:
    """Verify the session with ``code``; None on success, else the message to show."""
    until = lockout.locked_until(user.get_username())
    if until is not None:
        lockout.record_refused(user.get_username(), scope="2fa", until=until)
        return lockout.locked_message(until)
    device = match_token(user, code.strip())
    if device is None:
        audit.record("auth.2fa_failed", obj=user, actor_id=user.pk)
        locked = lockout.record_failure(user.get_username(), scope="2fa")
        return lockout.locked_message(locked) if locked else WRONG_CODE
    otp_login(request, device)
    audit.record("auth.2fa_verified", obj=user, actor_id=user.pk)
    return None


def must_prove(user: User) -> bool:
    """Whether ``user`` must give a second factor to sign: a role that requires one, or a
    confirmed device of their own (someone who enrolled is held to it)."""
    return needs_second_factor(user) or has_device(user)


def check_code(user: User, code: str, *, scope: str) -> str | None:
    """Check a TOTP code sent with one request that has no verified session behind it (a
    signature through the API with a bearer token). None when the code is right; else the
    message to answer with 403. A missing or wrong code is audited and counts toward the same
    lockout as wrong passwords; a locked account is refused without looking at the code."""
    username = user.get_username()
    until = lockout.locked_until(username)
    if until is not None:
        lockout.record_refused(username, scope=scope, until=until)
        return lockout.locked_message(until)
    if not has_device(user):
        audit.record(
            "auth.2fa_failed",
            obj=user,
            actor_id=user.pk,
            payload={"scope": scope, "reason": "not_enrolled"},
        )
        return NOT_ENROLLED
    code = code.strip()
    device = match_token(user, code) if code else None
    if device is None:
        reason = "wrong" if code else "missing"
        audit.record(
            "auth.2fa_failed",
            obj=user,
            actor_id=user.pk,
            payload={"scope": scope, "reason": reason},
        )
        locked = lockout.record_failure(username, scope=scope)
        if locked:
            return lockout.locked_message(locked)
        return WRONG_CODE if code else CODE_REQUIRED
    audit.record("auth.2fa_verified", obj=user, actor_id=user.pk, payload={"scope": scope})
    return None


class RequireSecondFactorMiddleware:
    """Pages redirect an unverified reviewer or administrator to verify (or enrol); the
    session API answers 403 with :data:`SECOND_FACTOR_REQUIRED`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            needs_second_factor(user)
            and not user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": SECOND_FACTOR_REQUIRED}, status=403)
            assert isinstance(user, User)
            target = "accounts:2fa_verify" if has_device(user) else "accounts:2fa_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
