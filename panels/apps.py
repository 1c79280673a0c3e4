from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "panels"
    verbose_name = "Model panels"

    def ready(self) -> None:
        from django.conf import settings

        from panels import icd10
        from panels.offline import cache

        cache.configure(settings.OFFLINE_MODEL_CACHE or None)
        icd10.configure(settings.ICD10_TABLE_DIR or None)
