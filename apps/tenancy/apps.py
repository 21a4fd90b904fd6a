from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "apps.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.tenancy import checks, rls  # noqa: F401  (registers the system check)

        post_migrate.connect(rls.on_post_migrate, sender=self, dispatch_uid="tenancy.rls")
