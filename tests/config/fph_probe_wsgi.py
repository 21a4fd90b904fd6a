"""WSGI probe for tests/config/test_deploy_proxy.py: the Django application, plus one path that answers
with the fraud-prevention headers the application would send HMRC for that very request.

Served by gunicorn with deploy/gunicorn.conf.py behind the shipped nginx config, so what it shows is what
the deployed app computes from the proxy's headers (no signed-in user or browser data: those headers are
left out, as they would be).
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application

django_application = get_wsgi_application()

from apps.integrations.hmrc.fraud_headers import headers_for_request  # noqa: E402

PROBE_PATH = "/__probe__/fraud-headers"


def application(environ, start_response):
    if environ.get("PATH_INFO") != PROBE_PATH:
        return django_application(environ, start_response)
    request = WSGIRequest(environ)
    body = json.dumps(
        {
            "headers": headers_for_request(request),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "secure": request.is_secure(),
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
