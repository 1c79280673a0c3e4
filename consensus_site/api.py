"""The one NinjaAPI instance: authentication, error shapes, and each app's router."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Consensus DX API", version="1", urls_namespace="api")
