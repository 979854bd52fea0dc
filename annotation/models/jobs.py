"""What every background job shares: who took it and when, a heartbeat, attempts, the error.

The database row is the truth about a job; the broker only rings the bell. A job is claimed
by one atomic UPDATE (``annotation.services.jobs.job_claim``): pending, or running with a
heartbeat older than ``JOB_STALE_SECONDS`` — its worker died, so it is taken again. The
attempt number the claim leaves on the row fences the claimer: a worker presumed dead that
wakes up finds its heartbeat and its finish refused. Each job model names its own statuses
(a release is "building", then "published") through the four class attributes below.
"""

from typing import ClassVar

from django.db import models


class Job(models.Model):
    PENDING: ClassVar[str]
    RUNNING: ClassVar[str]
    DONE: ClassVar[str]
    FAILED: ClassVar[str]

    status = models.CharField(max_length=10)  # each job model gives its choices and default
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker claimed it.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running it."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task last reached the broker (empty: never)."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
