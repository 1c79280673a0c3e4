from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "panels"
    verbose_name = "Model panels"

    def ready(self) -> None:
        from django.conf import settings

        from panels.offline import cache

        cache.configure(settings.OFFLINE_MODEL_CACHE or None)
