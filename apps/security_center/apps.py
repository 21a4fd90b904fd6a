from django.apps import AppConfig


class SecurityCenterConfig(AppConfig):
    name = "apps.security_center"
    label = "security_center"
    verbose_name = "Security center"

    def ready(self) -> None:
        # The security center (decision 0027): its own access and audit checks, and its gauges.
        from apps.observability import collectors, metrics
        from apps.security_center.center.access import ACCESS_CHECKS
        from apps.security_center.center.audit_chain import AUDIT_CHECK, chain_evidence
        from apps.security_center.center.collectors import SECURITY_COLLECTORS
        from apps.security_center.checks import register, register_evidence

        for check, provider in ACCESS_CHECKS:
            register(check)
            register_evidence(check.id, provider)
        register(AUDIT_CHECK)
        register_evidence(AUDIT_CHECK.id, chain_evidence)
        for factory in SECURITY_COLLECTORS:
            collectors.register(factory)
        metrics.register_collectors()
        # Encryption coverage checks (issue #15, decision 0024): fields by introspection, files by the
        # BlobStore registry, so no upward import.
        from apps.security_center.crypto.coverage import register_checks

        register_checks()
