from django.apps import AppConfig


class SecurityCenterConfig(AppConfig):
    name = "apps.security_center"
    label = "security_center"
    verbose_name = "Security center"

    def ready(self) -> None:
        # Key checks (issue #15, helper "keks"): encryption.keys and encryption.rotation.
        from apps.security_center.checks.keys import register_key_checks

        register_key_checks()
