"""The Celery application.

Broker: REDIS_URL. Without it (the embedded default) tasks run in-process at once, so the
application and its reminders work without Redis. Settings prefixed ``CELERY_``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iiz.settings")

app = Celery("iiz")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
