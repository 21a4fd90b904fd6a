from django.apps import AppConfig


class SecurityCenterConfig(AppConfig):
    name = "apps.security_center"
    label = "security_center"
    verbose_name = "Security center"

    def ready(self) -> None:
        from django.core.signals import request_started

        from apps.observability import collectors, metrics
        from apps.security_center.center.access import ACCESS_CHECKS
        from apps.security_center.center.audit_chain import AUDIT_CHECK, chain_evidence
        from apps.security_center.center.collectors import SECURITY_COLLECTORS
        from apps.security_center.checks import register, register_evidence
        from apps.security_center.checks.keys import register_key_checks
        from apps.security_center.crypto.coverage import register_checks as register_coverage_checks
        from apps.security_center.secrets.checks import register_checks as register_secret_checks
        from apps.security_center.secrets.collectors import register_collector as register_secret_age_collector
        from apps.security_center.secrets.database import refresh_database_credentials

        # The security center (decision 0027): its own access and audit checks, and its gauges.
        for check, provider in ACCESS_CHECKS:
            register(check)
            register_evidence(check.id, provider)
        register(AUDIT_CHECK)
        register_evidence(AUDIT_CHECK.id, chain_evidence)
        for factory in SECURITY_COLLECTORS:
            collectors.register(factory)
        # Secrets (decision 0022): secrets.backend and secrets.age, the secret-age gauge, and new database
        # connections following a rotated login.
        register_secret_checks()
        register_secret_age_collector()
        request_started.connect(refresh_database_credentials, dispatch_uid="secrets-refresh-database-login")
        # Keys (decision 0023): encryption.keys and encryption.rotation.
        register_key_checks()
        # Encryption coverage (decision 0024): fields by introspection, files by the BlobStore registry.
        register_coverage_checks()
        metrics.register_collectors()
