from django.apps import AppConfig


class StaffConsoleConfig(AppConfig):
    name = "apps.staff_console"
    label = "staff_console"
    verbose_name = "Staff console"
