from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "apps.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from apps.observability.logging import connect_celery_signals
        from apps.observability.metrics import register_collectors
        from apps.observability.worker_http import connect_worker_signals

        register_collectors()
        connect_celery_signals()
        connect_worker_signals()
