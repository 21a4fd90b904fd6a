"""A requests transport that serves the local sandbox in-process (fixture ``sandbox_http``).

Requests for ``settings.SITE_URL + "/sandbox/"`` made through
``apps.integrations.http.session()`` are turned into a WSGI environ and handed
to Django's request handler in this thread, so the sandbox runs on the same
database connection and sees the test's uncommitted transaction. The full
middleware stack runs, CSRF checks included (unlike the test Client), as a
real server would.

Timeouts: nothing can hang in-process, but a slow answer (the sandbox's
latency fault) must still look like one to the client, so when the handler
took longer than the request's read timeout the adapter raises
``requests.ReadTimeout`` afterwards, as a real socket would have.
Tests with a real Celery worker need a real loopback server instead.

Threads: requests are served one at a time (a lock, like a single-threaded
server), because Django's test ClientHandler disconnects and reconnects the
close_old_connections signal globally around each request; two at once could
let one thread's request close another thread's connection mid-transaction.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from http import HTTPStatus
from urllib.parse import unquote_to_bytes, urlsplit

import requests
import structlog
from django.test.client import ClientHandler
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

_serve_one_at_a_time = threading.Lock()


def _read_timeout(timeout) -> float | None:
    if isinstance(timeout, tuple):
        return timeout[1]
    return timeout


class InProcessWSGIAdapter(BaseAdapter):
    """Serve requests by calling the Django application directly."""

    def __init__(self) -> None:
        super().__init__()
        # ClientHandler keeps Django from closing the test's connection at request start/end.
        self.handler = ClientHandler(enforce_csrf_checks=True)
        self.requests: list[requests.PreparedRequest] = []

    def _environ(self, request: requests.PreparedRequest) -> dict:
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        environ = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("iso-8859-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "127.0.0.1",
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "54321",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
                continue
            environ[f"HTTP_{key}"] = value
        environ["HTTP_HOST"] = parts.netloc
        return environ

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        saved_log_context = structlog.contextvars.get_contextvars()
        started = time.monotonic()
        try:
            with _serve_one_at_a_time:
                django_response = self.handler(self._environ(request))
            # ClientHandler has already closed the response (request_finished without closing connections).
            content = b"".join(django_response) if django_response.streaming else django_response.content
        finally:
            # The sandbox's request middleware clears the log context; the caller's must survive.
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**saved_log_context)
        read_timeout = _read_timeout(timeout)
        if read_timeout is not None and time.monotonic() - started > read_timeout:
            raise requests.ReadTimeout(f"in-process sandbox took longer than the read timeout ({read_timeout}s)")
        response = requests.Response()
        response.status_code = django_response.status_code
        try:
            response.reason = HTTPStatus(django_response.status_code).phrase
        except ValueError:
            response.reason = ""
        response.headers = CaseInsensitiveDict(dict(django_response.items()))
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass
