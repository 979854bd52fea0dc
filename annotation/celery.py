"""The Celery application; configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from annotation.observability import task_ended, task_published, task_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation.settings")

app = Celery("annotation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

before_task_publish.connect(task_published, weak=False)
task_prerun.connect(task_started, weak=False)
task_postrun.connect(task_ended, weak=False)
