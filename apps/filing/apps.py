from django.apps import AppConfig


class FilingConfig(AppConfig):
    name = "apps.filing"
    label = "filing"
    verbose_name = "VAT filing"

    def ready(self) -> None:
        from apps.filing.calculation import correction_warnings_on
        from apps.filing.selectors import four_eyes_on, frozen_periods
        from apps.ledger.services.periods import register_correction_notices, register_frozen_period_source
        from apps.permissions.predicates import register_four_eyes_source

        # The ledger sits below filing: it learns the frozen periods and HMRC's correction limits from here.
        register_frozen_period_source(frozen_periods)
        register_correction_notices(correction_warnings_on)
        # The policy's four-eyes predicate (permissions sits below filing) asks here whether it is on.
        register_four_eyes_source(four_eyes_on)
        # The home page and the portfolio (decision 0042): the next VAT deadline, its status and blockers.
        from apps.filing.home import SOURCE as TODOS
        from apps.portal.todos import register_todo_source

        register_todo_source(TODOS)
