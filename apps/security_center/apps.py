from django.apps import AppConfig


class SecurityCenterConfig(AppConfig):
    name = "apps.security_center"
    label = "security_center"
    verbose_name = "Security center"

    # Secrets provider (issue #15, helper "secrets"): its security center checks and the secret-age gauge.
    def ready(self) -> None:
        from apps.security_center.secrets.checks import register_checks
        from apps.security_center.secrets.collectors import register_collector

        register_checks()
        register_collector()
        from django.core.signals import request_started

        from apps.security_center.secrets.database import refresh_database_credentials

        request_started.connect(refresh_database_credentials, dispatch_uid="secrets-refresh-database-login")
