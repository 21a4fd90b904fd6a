"""The WSGI entry point settles the heap: start-up objects frozen out of the collector (decision 0044)."""

from __future__ import annotations

import gc
import importlib


def test_loading_the_wsgi_application_freezes_what_start_up_loaded():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        import config.wsgi

        importlib.reload(config.wsgi)
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # Django, the apps, the URLconf: the long-lived part of the process
        assert callable(config.wsgi.application)
        garbage = [[] for _ in range(3)]
        garbage[0].append(garbage)  # a cycle made after the freeze is still collected
        del garbage
        assert gc.collect() > 0
        assert gc.get_freeze_count() > 10_000  # (frozen objects freed by reference counting leave the count)
    finally:
        gc.unfreeze()
