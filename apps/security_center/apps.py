from django.apps import AppConfig


class SecurityCenterConfig(AppConfig):
    name = "apps.security_center"
    label = "security_center"
    verbose_name = "Security center"

    def ready(self) -> None:
        # Encryption coverage checks (issue #15, decision 0024): fields by introspection, files by the
        # BlobStore registry, so no upward import.
        from apps.security_center.crypto.coverage import register_checks

        register_checks()
