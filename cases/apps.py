from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and deliberations"

    def ready(self) -> None:
        from cases.audit import access

        access.connect()
