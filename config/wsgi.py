import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.heap import settle_heap  # noqa: E402  (after Django is set up)

settle_heap()  # each gunicorn worker, once, before its first request (decision 0044)
