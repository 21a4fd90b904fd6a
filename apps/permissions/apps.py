from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "apps.permissions"
    label = "permissions"
    verbose_name = "Permissions"
