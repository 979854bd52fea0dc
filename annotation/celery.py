"""The Celery application; configuration comes from Django settings (``CELERY_*``)."""

import gc
import os
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_init

from annotation.observability import task_ended, task_published, task_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation.settings")
# A worker skips Django's system checks (Celery's Django fix-up runs them at start): they load
# the URLconf and with it every API view, DRF and the OpenAPI generator, ~10 MB in each worker
# process for pages no task serves. `manage.py migrate` (Compose's migrate service, before any
# worker starts) and `manage.py check` run them.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("annotation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

before_task_publish.connect(task_published, weak=False)
task_prerun.connect(task_started, weak=False)
task_postrun.connect(task_ended, weak=False)


@worker_init.connect(weak=False)
def _freeze_before_fork(**_: Any) -> None:
    """The worker has imported every tasks module and forks its pool's children next (and
    again for each child it replaces): freezing the garbage collector keeps the children's
    collections from writing to, and so copying, the pages they share with it."""
    gc.freeze()
