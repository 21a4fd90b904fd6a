"""Monitors: the checks that read product data (synthetic journeys, SLIs, scrape-time gauges, banners).

They sit above every product app, so observability (metrics, logs, traces, health) stays at the bottom.
"""

from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "apps.monitors"
    label = "monitors"
    verbose_name = "Monitors"
