"""The entry point of an evaluation worker process (see ``cases.evaluation.parallel``).

A spawned process imports its target before anything else runs, so this module imports
nothing of Django or the project at the top: :func:`work` sets Django up first.
"""

from __future__ import annotations

import os


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
