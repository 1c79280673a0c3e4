from typing import Any

from django.core.management.base import BaseCommand

from panels import demo


class Command(BaseCommand):
    help = (
        "Load the demo users and the offline and chaos panels, and apply the offline panel's "
        "calibration record (safe to run again)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in [*demo.seed(), *demo.apply_calibration()]:
            self.stdout.write(f"seed_demo: {line}")
