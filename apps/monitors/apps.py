"""Monitors: the checks that read product data (synthetic journeys, SLIs, scrape-time gauges, banners).

They sit above every product app, so observability (metrics, logs, traces, health) stays at the bottom.
"""

from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "apps.monitors"
    label = "monitors"
    verbose_name = "Monitors"

    def ready(self) -> None:
        from apps.integrations.signals import breaker_state_changed, dependency_answered
        from apps.monitors.banners import breaker_changed
        from apps.monitors.banners import dependency_answered as clear_automatic_banner
        from apps.monitors.collectors import PRODUCT_COLLECTORS
        from apps.observability import collectors, metrics

        for factory in PRODUCT_COLLECTORS:
            collectors.register(factory)
        metrics.register_collectors()  # observability registered its own before us; this adds ours
        dependency_answered.connect(clear_automatic_banner, weak=False, dispatch_uid="monitors.dependency_answered")
        breaker_state_changed.connect(breaker_changed, weak=False, dispatch_uid="monitors.breaker_state_changed")
