from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "apps.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from apps.tenancy.signals import tenant_created

        def seed_chart(sender, tenant, actor=None, **kwargs) -> None:
            from apps.ledger.services.accounts import seed_chart_of_accounts

            seed_chart_of_accounts(tenant, actor=actor)

        tenant_created.connect(seed_chart, dispatch_uid="ledger.seed_chart", weak=False)

        # The home page and the portfolio (decision 0042): bank lines not posted yet.
        from apps.ledger.home import SOURCE as TODOS
        from apps.portal.todos import register_todo_source

        register_todo_source(TODOS)
