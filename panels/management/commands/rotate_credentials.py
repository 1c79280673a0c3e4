"""``rotate_credentials``: re-encrypt every stored API key with the newest CREDENTIAL_KEYS key.

Rotation: put a new Fernet key first in CREDENTIAL_KEYS (keep the old ones after it), run this
command, then drop the old keys. All credentials are re-encrypted in one transaction, so a key
that no configured Fernet key opens leaves every row as it was.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from panels.models import ProviderCredential


class Command(BaseCommand):
    help = "Re-encrypt every provider credential with the first (newest) key in CREDENTIAL_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                credentials = list(ProviderCredential.objects.select_for_update().order_by("pk"))
                for credential in credentials:
                    credential.reencrypt()
                    # Only the ciphertext changes; rotated_at records when the API key itself
                    # was replaced, so it is left alone.
                    credential.save(update_fields=["encrypted_key"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Nothing was changed.") from None
        self.stdout.write(f"Re-encrypted {len(credentials)} credentials with the newest key.")
