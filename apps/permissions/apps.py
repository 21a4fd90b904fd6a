from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "apps.permissions"
    label = "permissions"
    verbose_name = "Permissions"

    def ready(self) -> None:
        from apps.accounts.models import use_policy
        from apps.permissions import checks

        # User.has_perm (accounts, below this app) answers policy names through the policy, superuser or not.
        use_policy(checks)
