"""Tasks through Redis to a real Celery worker process, results read back from PostgreSQL."""

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

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from annotation.celery import app
from annotation.models import GoldLabel, Membership, Project
from annotation.services.assignment import assignment_next
from annotation.services.submission import annotation_submit
from clips.models import Clip, ImportJob
from clips.tasks import ingest_clip

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
WAIT_LIMIT = 180  # a hang guard, not a speed claim: the test fails with the worker's log


def stack_env(media_root: Path, **extra_env: str) -> dict[str, str]:
    """The environment of a process of the real stack this test starts (a worker, a web)."""
    db = connection.settings_dict
    return {
        **os.environ,
        **extra_env,
        # The process must see the test database this one writes to.
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(media_root),
    }


class Worker:
    def __init__(
        self, media_root: Path, log: Path, queues: str = "media,agreement", **extra_env: str
    ) -> None:
        env = stack_env(media_root, **extra_env)
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
