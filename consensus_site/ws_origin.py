"""The websocket origin check: the page's ``Origin`` must be this very site, scheme, host and
port (``ws`` pairs with ``http``, ``wss`` with ``https``), or one of
``CSRF_TRUSTED_ORIGINS``; and the host must be an allowed host. Channels' own
``AllowedHostsOriginValidator`` compares host names only, so another port of the same host
(another app on the machine) was let in."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

_HTTP_SCHEME = {"ws": "http", "wss": "https"}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin1"))
    return None


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Whether the websocket request in ``scope`` comes from a page of this site."""
    origin = _header(scope, b"origin")
    host = _header(scope, b"host")
    if not origin or not host:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = _HTTP_SCHEME.get(str(scope.get("scheme", "ws")), "http")
    return origin == f"{scheme}://{host}"


def _audit_refusal(scope: dict[str, Any]) -> None:
    from cases import audit

    audit.record(
        "access.denied",
        object_type="ws.path",
        object_id=str(scope.get("path", ""))[:50],
        payload={
            "path": scope.get("path", ""),
            "origin": _header(scope, b"origin") or "",
            "reason": "origin",
        },
    )


class SameOriginValidator:
    """ASGI middleware for websockets: refuse (close before accept) any other origin."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            await database_sync_to_async(_audit_refusal)(scope)
            denier = WebsocketDenier()
            return await denier(scope, receive, send)  # type: ignore[arg-type]
        return await self.app(scope, receive, send)
