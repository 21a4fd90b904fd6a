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
        from celery.signals import before_task_publish

        from apps.observability.collectors import stamp_enqueue_time

        before_task_publish.connect(stamp_enqueue_time, weak=False, dispatch_uid="strongroom.enqueued_at")
        connect_celery_signals()
        connect_worker_signals()
