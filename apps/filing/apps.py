from django.apps import AppConfig


class FilingConfig(AppConfig):
    name = "apps.filing"
    label = "filing"
    verbose_name = "VAT filing"
