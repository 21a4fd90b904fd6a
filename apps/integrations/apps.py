from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from apps.integrations import checks  # noqa: F401  (registers the production settings check)

        # The home page and the portfolio (decision 0042): the HMRC connection's state.
        from apps.integrations.home import SOURCE as TODOS
        from apps.portal.todos import register_todo_source

        register_todo_source(TODOS)
