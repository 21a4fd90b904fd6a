from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Backups you can restore: the catalog, PITR and document snapshots, restore drills (issue #16).

    It sits above onboarding because a drill checks the ledger, the documents, the filing returns and the
    audit chain of the restored copy; its gauges are registered with observability from ``ready``.
    """

    name = "apps.backups"
    label = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from apps.backups.collectors import BACKUP_COLLECTORS
        from apps.observability import collectors, metrics

        for factory in BACKUP_COLLECTORS:
            collectors.register(factory)
        metrics.register_collectors()

        # The security center's backups.status check (issue #15, decision 0027): registered from here, since
        # the security center sits below backups in the layers.
        from apps.backups.checks import BACKUP_CHECK
        from apps.security_center.checks import register

        register(BACKUP_CHECK)
