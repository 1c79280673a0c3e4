"""Walk the audit trail's hash chain; exit 1 and name the first broken link if it is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases import audit
from cases.models import AuditEvent

INTACT = "Audit chain intact: {count} events verified."
BROKEN = (
    "Audit chain broken at event {id} ({action} on {object_type} {object_id}, {created_at}): "
    "this event or the one before it was changed after it was written."
)


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit.first_broken_link()
        if broken is not None:
            raise CommandError(
                BROKEN.format(
                    id=broken.pk,
                    action=broken.action,
                    object_type=broken.object_type,
                    object_id=broken.object_id,
                    created_at=broken.created_at.isoformat(),
                ),
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(INTACT.format(count=AuditEvent.objects.count())))
