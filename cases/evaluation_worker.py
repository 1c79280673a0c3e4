"""The entry point of an evaluation worker process (see ``cases.evaluation.parallel``).

A spawned process imports its target before anything else runs, so this module imports
nothing of Django or the project at the top: :func:`work` sets Django up first.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a spawned process imports this module before Django is set up
    from panels.providers.base import MemberSpec


def work(ids: list[int], database_name: str, concurrency: int) -> None:
    """Set Django up on the parent's database (a test database has a name of its own), then
    train and run this share of the deliberations as one process would."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consensus_site.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from django.db import connections

    connections["default"].settings_dict["NAME"] = database_name

    from asgiref.sync import async_to_sync

    from cases.evaluation import execution

    async_to_sync(execution.execute_here)(ids, concurrency=concurrency)


def train(specs: list[MemberSpec]) -> None:
    """Set Django up (settings name the knowledge base and the model cache), then train the
    offline members ``specs``, which stores them in the on-disk model cache for the parent
    (see ``cases.evaluation.training``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consensus_site.settings")
    import django

    django.setup()
    from panels.providers import builtin

    builtin.train_members(specs)
