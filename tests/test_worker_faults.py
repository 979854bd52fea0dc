"""Issue 12 on the real stack (PostgreSQL + Redis + Celery worker processes): a worker killed
mid ingest or mid agreement report, and Redis stopped while work is being asked for. Each
job ends done, by the broker's redelivery or by the sweeper (``work_sweep``, what beat runs)
and a fresh worker, with no file left behind and nobody editing the database.

Whole-worker kills are SIGKILLs of the main process and its pool process together: Redis
then keeps the message unacknowledged until its visibility timeout (hours), so only the
sweeper can bring the job back; the workers run with a short staleness (``STALE``)."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from test_celery_worker import STALE, WAIT_LIMIT, Worker, pending_clip

from annotation.celery import app
from annotation.models import AgreementReport, GoldLabel, Project, Role, Trace
from annotation.services.agreement import agreement_report_request
from annotation.tasks import work_sweep
from clips.media.synth import synth_clip
from clips.models import Clip
from clips.tasks import ingest_clip
from exports.models import Release
from factories import member

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:  # already gone
        return []


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _kill_whole_worker(worker: Worker) -> None:
    """SIGKILL the worker's main process and its pool process at once (what dies with it
    when its host or container does), leaving their own children (ffmpeg) orphaned."""
    for pid in [*worker.pool_children(), worker.proc.pid]:
        os.kill(pid, signal.SIGKILL)
    worker.proc.wait()


def _purge(*queues: str) -> None:
    """Nothing left in these queues by an earlier run reaches this test's workers."""
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]


def _fail(what: str, *workers: Worker) -> None:
    logs = "\n".join(f"--- {w.log.name}\n{w.log.read_text()}" for w in workers)
    pytest.fail(f"{what}\n{logs}")


def _sweep_until(
    done: Callable[[], bool], deadline: float, worker: Worker, state: Callable[[], str]
) -> None:
    """Run the sweeper as beat would (here every half second) until ``done``."""
    while not done():
        if time.monotonic() > deadline:
            _fail(f"hang guard: {state()}", worker)
        assert worker.proc.poll() is None, worker.log.read_text()
        work_sweep()
        time.sleep(0.5)


# --- Ingest ----------------------------------------------------------------------------------


def test_a_whole_worker_killed_mid_ingest_is_finished_by_the_next_one(
    media_root, tmp_path, settings
):
    """Killed mid transcode, the clip stays "processing" with no heartbeat; once it is stale
    the sweeper sends it again and a fresh worker ingests it, removing the folder the dead
    attempt was writing in (its ffmpeg, orphaned, may still be running)."""
    settings.JOB_STALE_SECONDS = float(STALE["JOB_STALE_SECONDS"])
    source = synth_clip(tmp_path / "long.mpg", seconds=40, fmt="mpg", size="640x360")
    _purge("media")
    clip = pending_clip(source)
    deadline = time.monotonic() + WAIT_LIMIT
    first = Worker(media_root, tmp_path / "first.log", queues="media", **STALE)
    orphans: list[int] = []
    fresh = None
    try:
        ingest_clip.delay(clip.pk)
        while not orphans:  # the transcode is under way: ffmpeg runs under the pool process
            if time.monotonic() > deadline:
                _fail("the first worker never started ffmpeg", first)
            assert first.proc.poll() is None, first.log.read_text()
            orphans = [
                pid
                for pool in first.pool_children()
                for pid in _children(pool)
                if _command(pid) == "ffmpeg"
            ]
            time.sleep(0.05)
        _kill_whole_worker(first)
        clip.refresh_from_db()
        assert clip.media_status == "processing"
        tmp = Path(media_root) / "tmp"
        assert list(tmp.glob(f"ingest-{clip.pk}-*")), "the killed attempt left its work folder"

        fresh = Worker(media_root, tmp_path / "fresh.log", queues="media", **STALE)

        def ingested() -> bool:
            clip.refresh_from_db()
            return clip.media_status in ("ready", "failed")

        _sweep_until(ingested, deadline, fresh, lambda: f"clip stayed {clip.media_status}")
    finally:
        first.stop()
        if fresh is not None:
            fresh.stop()
        for pid in orphans:  # the dead worker's ffmpeg, if it is still transcoding
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert clip.media_status == "ready", clip.media_error
    assert clip.duration_s == pytest.approx(40, abs=0.2)
    assert "clips.tasks.ingest_clip" in fresh.log.read_text()
    assert not list(tmp.glob(f"ingest-{clip.pk}-*")), "no work folder of any attempt is left"
    folder = Path(media_root) / "clips" / str(clip.project_id) / str(clip.pk)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        Path(str(name)).name
        for name in (clip.media_file.name, clip.poster.name, clip.waveform.name)
    )


# --- Agreement report ------------------------------------------------------------------------

STREAM_CLIPS, RATERS, TRACE_SECONDS = 100, 6, 600


def _big_agreement_project() -> Project:
    """100 ten-minute stream clips traced by 6 raters: the lag-compensated concordance of
    every pair takes seconds (a report on a small project takes milliseconds)."""
    project = Project.objects.create(slug=f"agr-{uuid.uuid4().hex[:6]}", name="agreement")
    users = [
        get_user_model().objects.create_user(f"t-{uuid.uuid4().hex[:8]}") for _ in range(RATERS)
    ]
    clips = Clip.objects.bulk_create(
        Clip(project=project, external_id=f"s{i:04d}", source_video=f"s{i:04d}",
             media_status="ready", duration_s=float(TRACE_SECONDS), kind="stream")
        for i in range(STREAM_CLIPS)
    )  # fmt: skip
    rng = np.random.default_rng(12)
    shape = (TRACE_SECONDS * 25, 2)
    samples = [rng.uniform(-1, 1, shape).astype("<f4").tobytes() for _ in users]
    Trace.objects.bulk_create(
        (
            Trace(clip=c, annotator=u, config=project.trace_config, status="finalised", data=data)
            for c in clips
            for u, data in zip(users, samples, strict=True)
        ),
        batch_size=100,
    )
    return project


def _wait_running(report: AgreementReport, worker: Worker, deadline: float) -> None:
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status == "running":
            return
        assert report.status == "pending", (report.status, report.error)
        time.sleep(0.02)
    _fail(f"report stayed {report.status}", worker)


def _assert_complete(report: AgreementReport) -> None:
    assert report.status == "done", (report.status, report.error)
    assert report.attempts == 2  # the killed attempt, then the one that finished
    assert report.report["traces"]["n_clips"] == STREAM_CLIPS


def test_a_pool_process_killed_mid_agreement_report_is_redelivered(media_root, tmp_path):
    """The pool process dies while the report is computed: the message, acknowledged late,
    comes back to the worker as a redelivery, which takes the report over at once."""
    project = _big_agreement_project()
    _purge("agreement")
    # Default staleness (90 s) and no sweeper: only the redelivery can bring it back in time.
    worker = Worker(media_root, tmp_path / "worker.log", queues="agreement")
    deadline = time.monotonic() + WAIT_LIMIT
    try:
        report = agreement_report_request(project=project)
        _wait_running(report, worker, deadline)
        (victim,) = worker.pool_children()
        os.kill(victim, signal.SIGKILL)
        report.refresh_from_db()
        assert (report.status, report.attempts) == ("running", 1), "killed before it finished"
        while report.status in ("pending", "running"):
            if time.monotonic() > deadline:
                _fail(f"hang guard: report stayed {report.status}", worker)
            assert worker.proc.poll() is None, worker.log.read_text()
            time.sleep(0.2)
            report.refresh_from_db()
    finally:
        worker.stop()
    _assert_complete(report)
    log = worker.log.read_text()
    assert "WorkerLostError" in log or "exited with 'signal 9" in log, log


def test_a_whole_worker_killed_mid_agreement_report_is_finished_by_the_next_one(
    media_root, tmp_path, settings
):
    """Worker and pool die together: the report's heartbeat stops, the sweeper rings again
    once it is stale, and a fresh worker computes it."""
    settings.JOB_STALE_SECONDS = float(STALE["JOB_STALE_SECONDS"])
    project = _big_agreement_project()
    _purge("agreement")
    deadline = time.monotonic() + WAIT_LIMIT
    first = Worker(media_root, tmp_path / "first.log", queues="agreement", **STALE)
    try:
        report = agreement_report_request(project=project)
        _wait_running(report, first, deadline)
        _kill_whole_worker(first)
        report.refresh_from_db()
        assert (report.status, report.attempts) == ("running", 1), "killed before it finished"
    finally:
        first.stop()
    fresh = Worker(media_root, tmp_path / "fresh.log", queues="agreement", **STALE)
    try:

        def finished() -> bool:
            report.refresh_from_db()
            return report.status not in ("pending", "running")

        _sweep_until(finished, deadline, fresh, lambda: f"report stayed {report.status}")
    finally:
        fresh.stop()
    _assert_complete(report)


# --- Redis down ------------------------------------------------------------------------------


class OwnRedis:
    """A redis-server of this test's own (the machine's is shared with other tests), on a
    free port, that can be stopped and started again on the same port."""

    def __init__(self, log: Path) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed to stop and restart a broker"
        self.binary, self.log = binary, log
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert self.proc.poll() is None, self.log.read_text()
                assert time.monotonic() < deadline, self.log.read_text()
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _producers_to(url: str | None) -> None:
    """Point this process's Celery producers at ``url`` (None: the configured broker). The
    environment's CELERY_BROKER_URL wins over ``app.conf`` in Celery, so that is what is
    changed; the cached connection and producer pools are dropped."""
    if url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = url
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_work_asked_for_while_redis_is_down_is_done_once_it_is_back(
    media_root, tmp_path, settings, caplog
):
    """Redis stopped: the k-th submit of a clip, an agreement request and a release request
    each answer as usual, their work committed but not sent. Redis started again: the
    sweeper sends each, and a worker routes the clip, computes the report and publishes the
    release, with no edit of the database."""
    settings.ROUTING_RESEND_SECONDS = 1  # the sweeper's patience for routing (default 2 min)
    broker = OwnRedis(tmp_path / "redis.log")
    configured = os.environ.get("CELERY_BROKER_URL")
    worker = None
    broker.start()
    _producers_to(broker.url)
    try:
        project = Project.objects.create(
            slug=f"down-{uuid.uuid4().hex[:6]}", name="broker down", overlap_k=3
        )
        admin = member(project, Role.ADMIN)
        clip = Clip.objects.create(
            project=project, external_id="c", media_status="ready", duration_s=4.0
        )
        annotators = [member(project, Role.ANNOTATOR) for _ in range(project.overlap_k)]
        leases = {}
        for user in annotators:
            answer = _api(user).post(f"/api/projects/{project.slug}/next/")
            assert answer.status_code == 200, answer.content
            leases[user.pk] = answer.json()["assignment"]["id"]

        def submit(user: Any) -> None:
            answer = _api(user).post(
                f"/api/assignments/{leases[user.pk]}/submit/", {"payload": LABELS}, format="json"
            )
            assert answer.status_code == 201, answer.content

        for user in annotators[:-1]:
            submit(user)
        with app.producer_or_acquire() as producer:  # as a web process has: a pooled,
            producer.connection.ensure_connection(max_retries=1)  # connected producer
        broker.stop()

        caplog.set_level(logging.WARNING, logger="annotation.services.jobs")
        submit(annotators[-1])  # the k-th: routing is due
        asked = _api(admin).post(f"/api/projects/{project.slug}/agreement/")
        assert asked.status_code in (201, 202), asked.content
        created = _api(admin).post(
            f"/api/projects/{project.slug}/releases/", {"version": "1.0.0"}, format="json"
        )
        assert created.status_code == 202, created.content
        unsent = [r.getMessage() for r in caplog.records if "left for the sweeper" in r.message]
        for task in ("agreement_route_clips", "agreement_recompute_project", "release_build"):
            assert any(task in message for message in unsent), caplog.text
        clip.refresh_from_db()
        report = AgreementReport.objects.get(project=project)
        release = Release.objects.get(project=project)
        # Committed, and not sent (had they reached a broker, enqueued_at would say so).
        assert clip.stage == "aggregating"
        assert (report.status, report.enqueued_at) == ("pending", None)
        assert (release.status, release.enqueued_at) == ("pending", None)

        broker.start()
        worker = Worker(
            media_root, tmp_path / "worker.log", queues="agreement,export",
            CELERY_BROKER_URL=broker.url,
        )  # fmt: skip

        def all_done() -> bool:
            clip.refresh_from_db()
            report.refresh_from_db()
            release.refresh_from_db()
            return (
                clip.stage in ("gold", "disputed")
                and report.status not in ("pending", "running")
                and release.status not in ("pending", "building")
            )

        deadline = time.monotonic() + WAIT_LIMIT
        _sweep_until(
            all_done, deadline, worker,
            lambda: f"clip {clip.stage}, report {report.status}, release {release.status}",
        )  # fmt: skip
    finally:
        if worker is not None:
            worker.stop()
        broker.stop()
        _producers_to(configured)
    assert clip.stage == "gold"  # three identical labels
    assert GoldLabel.objects.get(clip=clip, is_current=True).provenance == "unanimous"
    assert report.status == "done", report.error
    assert report.enqueued_at is not None and report.report["n_annotations"] == 3
    assert release.status == "published", release.error
    log = worker.log.read_text()
    for task in ("agreement_route_clips", "agreement_recompute_project", "release_build_task"):
        assert task in log, log
