"""What Alertmanager says is firing, for the SLO dashboard (read-only; the dashboard renders without it)."""

from __future__ import annotations

from django.conf import settings


def firing_alerts() -> list[str] | None:
    """Alerts firing in Alertmanager (``ALERTMANAGER_URL``, API v2), or None when not configured or unreachable."""
    url = getattr(settings, "ALERTMANAGER_URL", "")
    if not url:
        return None
    import requests

    try:
        response = requests.get(f"{url.rstrip('/')}/api/v2/alerts", params={"active": "true", "silenced": "false",
                                "inhibited": "false"}, timeout=(1, 2))  # fmt: skip
        response.raise_for_status()
        alerts = response.json()
    except (requests.RequestException, ValueError):
        return None
    return sorted(
        f"{a['labels'].get('alertname', '?')} ({a['labels'].get('severity', '')}): "
        f"{a.get('annotations', {}).get('summary', '')}"
        for a in alerts
        if a.get("labels", {}).get("alertname") != "Watchdog"
    )
