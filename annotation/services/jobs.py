"""Claiming, keeping alive, finishing and re-enqueuing background jobs (``models.jobs.Job``).

Why a sweeper and not a transactional outbox: every piece of pending work is already a row
whose state says so (a pending or stale job, a clip "aggregating", a clip whose media is
pending or stale "processing"). The broker is only a doorbell: a message lost with Redis, or
never sent because Redis was down when the request committed, is re-sent by ``work_sweep``
(every minute, from beat) for every row still waiting. An outbox table would record the same
facts a second time. Each task claims its row atomically, so a doorbell rung twice does the
work once.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

from annotation.models.jobs import Job

log = logging.getLogger(__name__)
J = TypeVar("J", bound=Job)


class JobLost(Exception):
    """Another worker took the job over (this one was presumed dead): stop, write nothing."""


def stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)


def claimable(model: type[Job], *, takeover: bool = False) -> Q:
    """Jobs a worker may take: pending, or running with no sign of life for too long — or
    running at all when ``takeover``: the broker redelivered the message, which it does only
    when the worker holding it died (its pool process, or past the visibility timeout, which
    is longer than any job may run)."""
    running = Q(status=model.RUNNING)
    if not takeover:
        running &= Q(heartbeat_at__lt=stale_before())
    return Q(status=model.PENDING) | running


def redelivered(request: Any) -> bool:
    """Whether a task's message is a redelivery (``takeover`` for ``job_claim``)."""
    return bool((getattr(request, "delivery_info", None) or {}).get("redelivered"))


def job_claim(model: type[J], job_id: int, *, takeover: bool = False, **fields: Any) -> J | None:
    """Take the job if it is claimable; ``None`` if it is finished or alive elsewhere."""
    now = timezone.now()
    taken = (
        model._default_manager.filter(claimable(model, takeover=takeover), pk=job_id)
        .update(
            status=model.RUNNING, claimed_at=now, heartbeat_at=now, finished_at=None, error="",
            attempts=F("attempts") + 1, **fields,
        )
    )  # fmt: skip
    return model._default_manager.get(pk=job_id) if taken else None


def _fenced(job: Job) -> Any:
    return type(job)._default_manager.filter(
        pk=job.pk, attempts=job.attempts, status=type(job).RUNNING
    )


def job_beat(job: Job, **progress: Any) -> None:
    """A sign of life, with progress fields; raises ``JobLost`` if the job was taken over."""
    if not _fenced(job).update(heartbeat_at=timezone.now(), **progress):
        raise JobLost(f"{job} was taken over")


def job_finish(job: Job, status: str, **fields: Any) -> bool:
    """Record the outcome, unless the job was taken over meanwhile (then ``False``)."""
    return bool(_fenced(job).update(status=status, finished_at=timezone.now(), **fields))


@contextmanager
def heartbeat(beat: Callable[[], object]) -> Iterator[None]:
    """Call ``beat`` every ``JOB_HEARTBEAT_SECONDS`` from a thread while the block runs, so a
    long step without progress callbacks (a transcode, a clustering) still shows its worker
    alive, and a killed worker stops beating. Only with a broker: in the embedded mode the
    job runs inside the request that asked for it, and SQLite has one writer."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield
        return
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    beat()
                except JobLost:
                    return
                except Exception:  # a database hiccup: try again at the next beat
                    log.warning("heartbeat failed", exc_info=True)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=run, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def send(task: str, *args: Any, sent: Callable[[], object] | None = None) -> bool:
    """Send ``task`` (its dotted path, e.g. ``"exports.tasks.release_build_task"``) now.
    Services name tasks rather than import them: tasks import services, never the reverse.
    A broker that is down does not fail the caller, whose work is committed: the row stays
    waiting and ``work_sweep`` sends it later. ``sent`` records that the message reached the
    broker (``enqueued_at``)."""
    try:
        import_string(task).delay(*args)
    except BrokerError:
        log.warning("broker unavailable: %s%r left for the sweeper", task, args)
        return False
    if sent is not None:
        sent()
    return True


def enqueue(task: str, *args: Any, sent: Callable[[], object] | None = None) -> None:
    """``send`` once the transaction commits (the worker must find the rows)."""
    transaction.on_commit(partial(send, task, *args, sent=sent))


def job_enqueue(job: Job, task: str) -> None:
    _ring(type(job), job.pk, task)


def _ring(model: type[Job], job_id: int, task: str) -> None:
    def sent() -> None:
        model._default_manager.filter(pk=job_id).update(enqueued_at=timezone.now())

    enqueue(task, job_id, sent=sent)


def jobs_resend(model: type[Job], task: str) -> int:
    """Ring again for jobs still waiting: pending and never sent (the broker was down) or sent
    longer ago than ``JOB_RESEND_SECONDS`` (the message was lost), or stale and not rung for
    since its worker fell silent."""
    resend_before = timezone.now() - timedelta(seconds=settings.JOB_RESEND_SECONDS)
    not_rung = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=resend_before)
    waiting = model._default_manager.filter(
        Q(status=model.PENDING) & not_rung
        | Q(status=model.RUNNING, heartbeat_at__lt=stale_before())
        & (not_rung | Q(enqueued_at__lt=F("heartbeat_at")))
    )
    ids = list(waiting.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_BATCH])
    for job_id in ids:
        _ring(model, job_id, task)
    return len(ids)
