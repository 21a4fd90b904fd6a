from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """GDPR retention, erasure (with crypto-shredding and certificates) and subject access exports (issue #15).

    It sits above backups because an erasure certificate says when the backups holding the erased data age out,
    and above every app whose rows it retains, restricts, erases or exports. Its security center checks are
    registered from ``ready`` (the security center sits lower and never imports it).
    """

    name = "apps.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from apps.privacy import checks
        from apps.security_center.checks import register

        for check in checks.CHECKS:
            register(check)
