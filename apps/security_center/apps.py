from django.apps import AppConfig


class SecurityCenterConfig(AppConfig):
    name = "apps.security_center"
    label = "security_center"
    verbose_name = "Security center"
