"""Websocket routes (mounted behind origin and session checks in consensus_site/asgi.py)."""

from django.urls import URLPattern, URLResolver, path

from cases.consumers import DeliberationConsumer, EscalationQueueConsumer

# django-stubs types path() for HTTP views only; channels routes ASGI apps through it.
websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/deliberations/<int:deliberation_id>/", DeliberationConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/escalations/", EscalationQueueConsumer.as_asgi()),  # type: ignore[arg-type]
]
