"""Tasks through Redis to a real Celery worker process, results read back from PostgreSQL."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from annotation.celery import app
from annotation.models import Annotation, GoldLabel, Membership, Project, Trace
from annotation.services.assignment import assignment_next
from annotation.services.submission import annotation_submit
from annotation.tasks import work_sweep
from clips.media.synth import synth_clip
from clips.models import Clip, ImportJob
from clips.tasks import ingest_clip
from exports.models import Release
from exports.services import release_create, release_dir

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
WAIT_LIMIT = 180  # a hang guard, not a speed claim: the test fails with the worker's log


class Worker:
    def __init__(
        self, media_root: Path, log: Path, queues: str = "media,agreement", **extra_env: str
    ) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            **extra_env,
            # The worker must see the test database this process writes to.
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
            f"{db['PORT']}/{db['NAME']}",
            "MEDIA_ROOT": str(media_root),
        }
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "annotation", "worker", "-Q", queues,
             "--concurrency", "1", "--pool", "prefork", "-n", self.name, "-l", "info"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def pool_children(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def worker(media_root: Path, tmp_path: Path) -> Iterator[Worker]:
    app.control.purge()  # nothing left over from an earlier run reaches this worker
    running = Worker(media_root, tmp_path / "worker.log")
    yield running
    running.stop()


def wait_for(clip: Clip, statuses: set[str], worker: Worker) -> Clip:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        clip.refresh_from_db()
        if clip.media_status in statuses:
            return clip
        assert worker.proc.poll() is None, worker.log.read_text()
        time.sleep(0.2)
    pytest.fail(f"clip stayed {clip.media_status}; worker log:\n{worker.log.read_text()}")


def pending_clip(source: Path) -> Clip:
    project = Project.objects.create(slug=f"rs-{uuid.uuid4().hex[:6]}", name="real stack")
    return Clip.objects.create(
        project=project, external_id=source.stem, source_uri=str(source), media_status="pending"
    )


def test_ingestion_runs_on_a_real_worker(worker, sample_media):
    clip = pending_clip(sample_media["mpeg2"])
    ingest_clip.delay(clip.pk)
    clip = wait_for(clip, {"ready", "failed"}, worker)
    assert clip.media_status == "ready", clip.media_error
    assert clip.transcoded is True
    assert "Task clips.tasks.ingest_clip[" in worker.log.read_text()


def test_an_import_left_to_the_workers_is_finished_by_them(worker, sample_media, tmp_path):
    """`import_clips --no-wait` returns once the clips are enqueued; the workers ingest them
    and the one that ingests the last clip marks the import done, with its counts."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("mpeg2", "truncated"):
        shutil.copy(sample_media[name], folder / sample_media[name].name)
    out = StringIO()
    call_command("import_clips", str(folder), project="rs-import", no_wait=True, stdout=out)
    assert "Enqueued on the 'media' queue" in out.getvalue()
    job = ImportJob.objects.get(project__slug="rs-import")
    deadline = time.monotonic() + WAIT_LIMIT
    while job.status == ImportJob.Status.RUNNING and time.monotonic() < deadline:
        assert worker.proc.poll() is None, worker.log.read_text()
        time.sleep(0.2)
        job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.failed) == ("done", 2, 2, 1)
    assert [f["clip"] for f in job.report["failures"]] == ["truncated"]


def test_an_import_that_waits_follows_the_workers_to_the_end(worker, sample_media, tmp_path):
    """Without --no-wait the command polls its job's clips until the workers are done, then
    prints the outcome (the service sent the clips; the command only follows)."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("playable", "truncated"):
        shutil.copy(sample_media[name], folder / sample_media[name].name)
    out, err = StringIO(), StringIO()
    call_command("import_clips", str(folder), project="rs-wait", stdout=out, stderr=err)
    assert "Import finished: 1 failed, 1 ready" in out.getvalue()
    assert "failed: truncated:" in err.getvalue()
    job = ImportJob.objects.get(project__slug="rs-wait")
    assert (job.status, job.processed, job.failed) == ("done", 2, 1)


def test_a_worker_killed_mid_job_loses_nothing(worker, tmp_path):
    """The pool process dies during the transcode; the task is redelivered and completes."""
    source = synth_clip(tmp_path / "long.mpg", seconds=40, fmt="mpg", size="640x360")
    clip = pending_clip(source)
    ingest_clip.delay(clip.pk)
    wait_for(clip, {"processing"}, worker)
    (victim,) = worker.pool_children()
    os.kill(victim, signal.SIGKILL)
    clip = wait_for(clip, {"ready", "failed"}, worker)
    assert clip.media_status == "ready", clip.media_error
    log = worker.log.read_text()
    assert "WorkerLostError" in log or "exited with 'signal 9" in log, log
    assert clip.duration_s == pytest.approx(40, abs=0.2)


def test_healthz_on_the_real_stack(client):
    body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["database"]["vendor"] == "postgresql"
    assert body["broker"]["mode"] == "broker"


def test_routing_runs_on_the_agreement_queue(worker):
    """The k-th submission enqueues routing on commit; a real worker routes the clip."""
    project = Project.objects.create(slug=f"rs-{uuid.uuid4().hex[:6]}", name="routing")
    clip = Clip.objects.create(
        project=project, external_id="c", media_status="ready", duration_s=3.0
    )
    payload = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
    for i in range(3):
        user = get_user_model().objects.create_user(f"rs-{uuid.uuid4().hex[:6]}-{i}")
        Membership.objects.create(project=project, user=user, role="annotator")
        lease = assignment_next(user=user, project=project)
        annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        clip.refresh_from_db()
        if clip.stage == "gold":
            break
        assert worker.proc.poll() is None, worker.log.read_text()
        time.sleep(0.2)
    assert clip.stage == "gold", worker.log.read_text()
    assert GoldLabel.objects.get(clip=clip).provenance == "unanimous"
    assert "annotation.tasks.agreement_route_clips" in worker.log.read_text()


def _big_release_project() -> Project:
    """3,000 gold clips, 30 of them 10-minute monologues with traces: a build of seconds."""
    project = Project.objects.create(slug=f"rel-{uuid.uuid4().hex[:6]}", name="release")
    users = [get_user_model().objects.create_user(f"r-{uuid.uuid4().hex[:8]}") for _ in range(3)]
    clips = Clip.objects.bulk_create(
        Clip(project=project, external_id=f"v{i // 5:04d}/{i % 5}", source_video=f"v{i // 5:04d}",
             media_status="ready", duration_s=600.0 if i < 30 else 3.0,
             kind="stream" if i < 30 else "static", stage="gold", review_opened_at=timezone.now())
        for i in range(3000)
    )  # fmt: skip
    static = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
    stream = {"segments": [{"start": 0.0, "end": 5.0, **static}]}
    Annotation.objects.bulk_create(
        Annotation(clip=c, annotator=u, status="submitted", is_current=True,
                   payload=stream if c.kind == "stream" else static)
        for c in clips for u in users
    )  # fmt: skip
    GoldLabel.objects.bulk_create(
        GoldLabel(clip=c, version=1, provenance="unanimous", tier="high",
                  payload=stream if c.kind == "stream" else static)
        for c in clips
    )  # fmt: skip
    samples = np.random.default_rng(1).uniform(-1, 1, (600 * 25, 2)).astype("<f4").tobytes()
    Trace.objects.bulk_create(
        Trace(clip=c, annotator=u, config=project.trace_config, status="finalised", data=samples)
        for c in clips[:30] for u in users
    )  # fmt: skip
    return project


def _wait_building(release: Release, worker: Worker, deadline: float) -> None:
    while time.monotonic() < deadline:
        release.refresh_from_db()
        if release.status == "building" and release.progress > 0.05:
            return
        time.sleep(0.02)
    pytest.fail(f"release stayed {release.status}\n{worker.log.read_text()}")


def _assert_whole(release: Release) -> None:
    folder = release_dir(release)
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert not list(folder.parent.glob(".build-*")), "the killed attempt's folder is gone"


def test_a_worker_killed_mid_release_build_publishes_nothing_half_built(media_root, tmp_path):
    """The pool process dies while the release is being written; nothing is published until the
    redelivered build completes, and the result is whole."""
    project = _big_release_project()
    worker = Worker(media_root, tmp_path / "worker.log", queues="export")
    try:
        release = release_create(project=project, version="1.0.0")
        deadline = time.monotonic() + WAIT_LIMIT
        _wait_building(release, worker, deadline)
        (victim,) = worker.pool_children()
        os.kill(victim, signal.SIGKILL)
        release.refresh_from_db()
        assert release.status != "published"
        assert not release_dir(release).exists()
        while time.monotonic() < deadline and release.status != "published":
            time.sleep(0.2)
            release.refresh_from_db()
        assert release.status == "published", (
            f"{release.status} {release.error}\n{worker.log.read_text()}"
        )
    finally:
        worker.stop()
    assert release.attempts == 2
    _assert_whole(release)


STALE = {"JOB_STALE_SECONDS": "3", "JOB_HEARTBEAT_SECONDS": "0.5"}


def test_a_whole_worker_killed_mid_release_is_finished_by_the_next_one(
    media_root, tmp_path, settings
):
    """Worker and pool SIGKILLed together: Redis keeps the message unacknowledged until its
    visibility timeout (hours); the release's heartbeat stops, the sweeper rings again once it
    is stale, and a fresh worker takes it over (was: "building" until the redelivery)."""
    settings.JOB_STALE_SECONDS = float(STALE["JOB_STALE_SECONDS"])
    project = _big_release_project()
    first = Worker(media_root, tmp_path / "first.log", queues="export", **STALE)
    release = release_create(project=project, version="1.0.0")
    deadline = time.monotonic() + WAIT_LIMIT
    try:
        _wait_building(release, first, deadline)
        for pid in [*first.pool_children(), first.proc.pid]:
            os.kill(pid, signal.SIGKILL)
        first.proc.wait()
    finally:
        first.stop()
    fresh = Worker(media_root, tmp_path / "fresh.log", queues="export", **STALE)
    try:
        while time.monotonic() < deadline and release.status != "published":
            work_sweep()  # what beat runs every minute
            time.sleep(0.5)
            release.refresh_from_db()
        assert release.status == "published", (
            f"{release.status} {release.error}\n{fresh.log.read_text()}"
        )
    finally:
        fresh.stop()
    assert release.attempts == 2
    _assert_whole(release)
