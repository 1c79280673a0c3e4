"""Credential checks ("test connection") for members, panels and stored credentials.

Sync functions for the admin and management commands; each check is the provider's own
cheapest call (see :func:`panels.providers.base.check`), run concurrently per panel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError

from panels.models import Panel, PanelMember, ProviderCredential
from panels.providers import base
from panels.providers.base import MemberSpec


@dataclass(frozen=True)
class CheckResult:
    """One check: what was checked (``subject``), whether it passed, and the message."""

    subject: str
    ok: bool
    message: str


async def _run(jobs: list[tuple[str, MemberSpec | None, str | None, str]]) -> list[CheckResult]:
    async def one(subject: str, spec: MemberSpec | None, key: str | None, why: str) -> CheckResult:
        if spec is None:
            return CheckResult(subject, False, why)
        ok, message = await base.check(spec, api_key=key)
        return CheckResult(subject, ok, message)

    return list(await asyncio.gather(*(one(*job) for job in jobs)))


def _job(
    subject: str, spec: MemberSpec, credential: ProviderCredential | None
) -> tuple[str, MemberSpec | None, str | None, str]:
    try:
        key = credential.reveal() if credential is not None else None
    except ValidationError as exc:
        return subject, None, None, " ".join(exc.messages)
    return subject, spec, key, ""


def check_members(members: list[PanelMember]) -> list[CheckResult]:
    """Check each member's endpoint, model and key; one result per member, in order."""
    jobs = [_job(str(member), member.snapshot().spec, member.credential) for member in members]
    return async_to_sync(_run)(jobs)


def check_panel(panel: Panel) -> list[CheckResult]:
    """Check every member of ``panel``, in seat order."""
    members = list(panel.members.select_related("credential", "panel").order_by("position", "id"))
    return check_members(members)


def check_credential(credential: ProviderCredential) -> list[CheckResult]:
    """Check ``credential`` against every distinct endpoint and model it is used with, or
    against its vendor's default endpoint when no member uses it yet."""
    targets: dict[tuple[str, str], MemberSpec] = {}
    for member in credential.panelmember_set.select_related("panel").order_by("id"):
        spec = member.snapshot().spec
        targets.setdefault((spec.base_url, spec.model), spec)
    if not targets:
        targets[("", "")] = MemberSpec(alias=credential.name, provider=credential.vendor)
    jobs = [
        _job(
            f"{credential.name} @ {spec.base_url or 'default endpoint'}"
            + (f" ({spec.model})" if spec.model else ""),
            spec,
            credential,
        )
        for spec in targets.values()
    ]
    return async_to_sync(_run)(jobs)
