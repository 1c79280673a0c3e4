from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and deliberations"

    def ready(self) -> None:
        from cases import auth_audit

        auth_audit.connect()
