"""The request type every view annotates: one signed in through the auth middleware, with
django-htmx's details (the one definition; views import it from here)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    """An ``HttpRequest`` whose ``user`` is a signed-in ``User``, with ``htmx`` details."""

    user: User
    htmx: HtmxDetails
