"""Enrol an authenticator app (QR code drawn here, as SVG) and verify a session with it."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from accounts import two_factor
from accounts.http import AuthenticatedRequest


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label="6-digit code",
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: AuthenticatedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/"


@require_http_methods(["GET", "POST"])
@login_required
def setup(request: AuthenticatedRequest) -> HttpResponse:
    """Show a new secret (QR code and text) and confirm it with a first code."""
    if two_factor.has_device(request.user):
        return redirect("accounts:2fa_verify")
    device = two_factor.enrolment_device(request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if two_factor.confirm(request, device, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", two_factor.WRONG_CODE)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/2fa_setup.html",
        {"form": form, "secret": secret, "next": _next(request)},
    )


@require_GET
@login_required
def setup_qr(request: AuthenticatedRequest) -> HttpResponse:
    """The enrolment secret as a QR code (SVG), for the authenticator app to scan."""
    if two_factor.has_device(request.user):
        return HttpResponse(status=404)
    device = two_factor.enrolment_device(request.user)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
@login_required
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """Verify this session with the current code."""
    if not two_factor.has_device(request.user):
        return redirect("accounts:2fa_setup")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        problem = two_factor.verify(request, request.user, form.cleaned_data["code"])
        if problem is None:
            return redirect(_next(request))
        form.add_error("code", problem)
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": _next(request)})
