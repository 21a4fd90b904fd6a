"""Run application code against another database: the restored copy, or a throwaway source in tests.

Django's connections are per thread, so a worker thread whose ``default`` alias is a new connection
to that database runs the application's own selectors and services (the trial balance, the audit
chain verifier, ``tenant_context``) unchanged, with row-level security as the application role,
while the calling thread keeps its own connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

T = TypeVar("T")


def run_against(database: dict[str, Any], work: Callable[[], T], *, alias: str = DEFAULT_DB_ALIAS) -> T:
    """``work()`` in a thread whose ``alias`` connection is ``database`` (a settings dict); its result or error."""
    outcome: dict[str, Any] = {}

    conf = {**connections.settings[alias], **database}

    def target() -> None:
        wrapper = None
        try:
            wrapper = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, alias)
            connections[alias] = wrapper
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finally:
            if wrapper is not None:
                wrapper.close()
            for name in connections.settings:
                if name != alias:
                    connections[name].close()

    thread = threading.Thread(target=target, name="strongroom-elsewhere", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
