"""The Celery app: configured from Django settings (CELERY_ namespace), tasks autodiscovered."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consensus_site.settings")

app = Celery("consensus_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def warm_offline_panel(**_kwargs: Any) -> None:
    """Train the offline members once per worker process, before its first task."""
    import logging

    from panels.providers import builtin

    try:
        logging.getLogger(__name__).info("offline panel warm in %.1f s", builtin.warm())
    except Exception:  # the first deliberation reports the same problem to its user
        logging.getLogger(__name__).exception("warming the offline panel failed")
