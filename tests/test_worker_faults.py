"""Issue 12 on the real stack (PostgreSQL + Redis + Celery worker processes): a worker killed
mid ingest, mid agreement report or mid release build, and Redis stopped while work is being
asked for. Each job ends done, by the broker's redelivery or by the sweeper (``work_sweep``,
what beat runs) and a fresh worker, with no file left behind and nobody editing the database.

Each kill is a SIGKILL, of the pool process running the job (the worker's main process sees
it die and the message comes back as a redelivery), or of the worker's main process and its
pool process together (Redis then keeps the message unacknowledged until its visibility
timeout, hours, so only the sweeper can bring the job back; those workers run with a short
staleness, ``STALE``)."""

import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from django.contrib.auth import get_user_model
from django.utils import timezone
from published import release_archive, release_dir
from rest_framework.test import APIClient
from test_celery_worker import WAIT_LIMIT, Worker, pending_clip

from annotation.celery import app
from annotation.models import (
    AgreementReport,
    Annotation,
    AuditEvent,
    GoldLabel,
    Project,
    Role,
    Trace,
)
from annotation.services.agreement import agreement_report_request
from annotation.tasks import work_sweep
from clips.media.synth import synth_clip
from clips.models import Clip
from clips.tasks import ingest_clip
from exports.models import Release
from exports.pipeline.archive import SUMS, make_archive, release_files
from exports.services import release_create, releases_root
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


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _died_with(pid: int, parent: int, deadline: float, worker: "Worker") -> bool:
    """Whether ``pid`` was killed when ``parent`` died: once the kernel has taken it from its
    dead parent (reparented, or gone), it is gone, a zombie, or has SIGKILL pending. An
    orphan left running would be reparented and alive, with no signal pending."""
    while (status := _status(pid)) and int(status["PPid"]) == parent:
        if time.monotonic() > deadline:
            _fail(f"{pid} still the child of {parent}, which was killed", worker)
        time.sleep(0.01)
    if not status or status["State"].startswith("Z"):
        return True
    pending = int(status["ShdPnd"], 16) | int(status["SigPnd"], 16)
    return bool(pending & (1 << (signal.SIGKILL - 1)))


STALE = {"JOB_STALE_SECONDS": "3", "JOB_HEARTBEAT_SECONDS": "0.5"}
KILLS = ["pool", "whole"]
"""What a SIGKILL takes down: the pool process running the job, or the whole worker."""


@pytest.fixture
def start_worker(media_root: Path, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start a named worker (its log is ``<name>.log``); every one is stopped at teardown."""
    started: list[Worker] = []

    def start(name: str, queues: str, **env: str) -> Worker:
        started.append(Worker(media_root, tmp_path / f"{name}.log", queues=queues, **env))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _first_worker(
    how: str, queues: str, start_worker: Callable[..., Worker], settings: Any
) -> Worker:
    """The worker to be killed. For a pool kill it keeps the default staleness (90 s) and no
    sweeper runs: only the broker's redelivery can bring the job back in time. For a whole
    worker, the staleness is short (``STALE``) in the workers and in this process's sweeper."""
    if how == "pool":
        return start_worker("first", queues)
    settings.JOB_STALE_SECONDS = float(STALE["JOB_STALE_SECONDS"])
    return start_worker("first", queues, **STALE)


def _kill(how: str, worker: Worker) -> None:
    """SIGKILL the pool process alone, or the worker's main process with it (what dies with
    its host or container); their own children (ffmpeg) die with them."""
    if how == "pool":
        (victim,) = worker.pool_children()
        os.kill(victim, signal.SIGKILL)
        return
    for pid in [*worker.pool_children(), worker.proc.pid]:
        os.kill(pid, signal.SIGKILL)
    worker.proc.wait()


def _recover(
    how: str, first: Worker, start_worker: Callable[..., Worker], queues: str,
    done: Callable[[], bool], deadline: float, state: Callable[[], str],
) -> Worker:  # fmt: skip
    """Wait for the job to finish after ``_kill``; returns the worker that finished it. A dead
    pool process: the message, acknowledged late, comes back to the same worker as a
    redelivery, which takes the job over at once. A dead worker: Redis keeps the message
    unacknowledged until its visibility timeout, so the sweeper rings again once the job is
    stale and a fresh worker does it."""
    if how == "pool":
        _wait_until(done, deadline, first, state, sweep=False)
        log = first.log.read_text()
        assert "WorkerLostError" in log or "exited with 'signal 9" in log, log
        return first
    fresh = start_worker("fresh", queues, **STALE)
    _wait_until(done, deadline, fresh, state, sweep=True)
    return fresh


def _purge(*queues: str) -> None:
    """Nothing left in these queues by an earlier run reaches this test's workers."""
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]


def _fail(what: str, *workers: Worker) -> None:
    logs = "\n".join(f"--- {w.log.name}\n{w.log.read_text()}" for w in workers)
    pytest.fail(f"{what}\n{logs}")


def _wait_until(
    done: Callable[[], bool], deadline: float, worker: Worker, state: Callable[[], str],
    *, sweep: bool,
) -> None:  # fmt: skip
    """Poll until ``done``, running the sweeper as beat would (here every half second) when
    ``sweep``."""
    while not done():
        if time.monotonic() > deadline:
            _fail(f"hang guard: {state()}", worker)
        assert worker.proc.poll() is None, worker.log.read_text()
        if sweep:
            work_sweep()
        time.sleep(0.5 if sweep else 0.2)


# --- Ingest ----------------------------------------------------------------------------------


def _transcoding(worker: Worker, deadline: float) -> list[int]:
    """Wait until the transcode is under way; the ffmpeg processes under the pool process."""
    while True:
        found = [
            pid
            for pool in worker.pool_children()
            for pid in _children(pool)
            if _command(pid) == "ffmpeg"
        ]
        if found:
            return found
        if time.monotonic() > deadline:
            _fail("the worker never started ffmpeg", worker)
        assert worker.proc.poll() is None, worker.log.read_text()
        time.sleep(0.05)


@pytest.mark.parametrize("how", KILLS)
def test_a_worker_killed_mid_ingest_leaves_the_clip_ingested_and_no_stray_file(
    how, media_root, tmp_path, settings, start_worker
):
    """Killed mid transcode, the clip stays "processing" with its work folder half written;
    the redelivery (pool) or the sweeper and a fresh worker once it is stale (whole) ingest it
    again, removing the folder the dead attempt was writing in (its ffmpeg died with it)."""
    source = synth_clip(tmp_path / "long.mpg", seconds=40, fmt="mpg", size="640x360")
    _purge("media")
    clip = pending_clip(source)
    deadline = time.monotonic() + WAIT_LIMIT
    first = _first_worker(how, "media", start_worker, settings)
    orphans: list[int] = []
    tmp = Path(media_root) / "tmp"
    try:
        ingest_clip.delay(clip.pk)
        orphans = _transcoding(first, deadline)
        pools = {pid: pool for pool in first.pool_children() for pid in _children(pool)}
        _kill(how, first)
        for pid in orphans:  # was: the dead attempt's ffmpeg transcoded on, orphaned
            assert _died_with(pid, pools[pid], deadline, first), f"ffmpeg {pid} outlived its worker"
        clip.refresh_from_db()
        assert clip.media_status == "processing"
        assert list(tmp.glob(f"ingest-{clip.pk}-*")), "the killed attempt left its work folder"

        def ingested() -> bool:
            clip.refresh_from_db()
            return clip.media_status in ("ready", "failed")

        finisher = _recover(
            how, first, start_worker, "media", ingested, deadline,
            lambda: f"clip stayed {clip.media_status}",
        )  # fmt: skip
    finally:
        for pid in orphans:  # should the assertion have failed: no ffmpeg outlives the test
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert clip.media_status == "ready", clip.media_error
    assert clip.duration_s == pytest.approx(40, abs=0.2)
    assert "clips.tasks.ingest_clip" in finisher.log.read_text()
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
    labels = {"segments": [{"start": 0.0, "end": float(TRACE_SECONDS), **LABELS}]}
    Annotation.objects.bulk_create(  # a trace counts with its annotator's label
        Annotation(clip=c, annotator=u, status="submitted", is_current=True, payload=labels)
        for c in clips
        for u in users
    )
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


@pytest.mark.parametrize("how", KILLS)
def test_a_worker_killed_mid_agreement_report_leaves_it_done(
    how, media_root, tmp_path, settings, start_worker
):
    """Killed while the report is computed, it stays "running" (was: "running 0/0" forever,
    the redelivered task declining to claim it); the redelivery (pool) or the sweeper and a
    fresh worker once its heartbeat is stale (whole) compute it."""
    project = _big_agreement_project()
    _purge("agreement")
    deadline = time.monotonic() + WAIT_LIMIT
    first = _first_worker(how, "agreement", start_worker, settings)
    report = agreement_report_request(project=project)
    _wait_running(report, first, deadline)
    _kill(how, first)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("running", 1), "killed before it finished"

    def finished() -> bool:
        report.refresh_from_db()
        return report.status not in ("pending", "running")

    _recover(
        how, first, start_worker, "agreement", finished, deadline,
        lambda: f"report stayed {report.status}",
    )  # fmt: skip
    assert report.status == "done", (report.status, report.error)
    assert report.attempts == 2  # the killed attempt, then the one that finished
    assert report.report["traces"]["n_clips"] == STREAM_CLIPS


# --- Release build ---------------------------------------------------------------------------

RELEASE_CLIPS, RELEASE_STREAMS = 3000, 30


def _big_release_project() -> Project:
    """3,000 gold clips, 30 of them 10-minute monologues with traces: a build of seconds."""
    project = Project.objects.create(slug=f"rel-{uuid.uuid4().hex[:6]}", name="release")
    users = [get_user_model().objects.create_user(f"r-{uuid.uuid4().hex[:8]}") for _ in range(3)]
    clips = Clip.objects.bulk_create(
        Clip(project=project, external_id=f"v{i // 5:04d}/{i % 5}", source_video=f"v{i // 5:04d}",
             media_status="ready", duration_s=600.0 if i < RELEASE_STREAMS else 3.0,
             kind="stream" if i < RELEASE_STREAMS else "static", stage="gold",
             review_opened_at=timezone.now())
        for i in range(RELEASE_CLIPS)
    )  # fmt: skip
    stream = {"segments": [{"start": 0.0, "end": 5.0, **LABELS}]}
    Annotation.objects.bulk_create(
        Annotation(clip=c, annotator=u, status="submitted", is_current=True,
                   payload=stream if c.kind == "stream" else LABELS)
        for c in clips for u in users
    )  # fmt: skip
    GoldLabel.objects.bulk_create(
        GoldLabel(clip=c, version=1, provenance="unanimous", tier="high",
                  payload=stream if c.kind == "stream" else LABELS)
        for c in clips
    )  # fmt: skip
    samples = np.random.default_rng(1).uniform(-1, 1, (600 * 25, 2)).astype("<f4").tobytes()
    Trace.objects.bulk_create(
        Trace(clip=c, annotator=u, config=project.trace_config, status="finalised", data=samples)
        for c in clips[:RELEASE_STREAMS] for u in users
    )  # fmt: skip
    return project


def _wait_building(release: Release, worker: Worker, deadline: float) -> None:
    """Until the build is writing files (past the selection: a folder of its own exists)."""
    while time.monotonic() < deadline:
        release.refresh_from_db()
        if release.status == "building" and release.progress > 0.05:
            return
        assert release.status in ("pending", "building"), (release.status, release.error)
        time.sleep(0.02)
    _fail(f"release stayed {release.status}", worker)


def _assert_published_whole(release: Release, tmp_path: Path) -> None:
    """Published once, by one attempt: the folder and the archive of that attempt and nothing
    else, every file listed in SHA256SUMS with its digest, and the archive exactly what the
    folder packs into (the archive is deterministic) with the digest and size recorded."""
    assert release.status == "published", (release.status, release.error)
    assert release.attempts == 2  # the killed attempt, then the one that published
    assert (
        AuditEvent.objects.filter(action="release.published", target_id=str(release.pk)).count()
        == 1
    )
    folder, archive = release_dir(release), release_archive(release)
    assert sorted(p.name for p in folder.parent.iterdir()) == sorted([folder.name, archive.name]), (
        "no build folder of any attempt is left"
    )
    listed = dict(
        reversed(line.split("  ", 1)) for line in (folder / SUMS).read_text().splitlines()
    )
    assert sorted(listed) == [f for f in release_files(folder) if f != SUMS]
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    manifest = json.loads((folder / "release.json").read_text())
    assert (manifest["version"], manifest["counts"]["clips"]) == ("1.0.0", RELEASE_CLIPS)
    packed = make_archive(
        folder, tmp_path / archive.name, root=archive.name.removesuffix(".tar.gz")
    )
    assert packed.read_bytes() == archive.read_bytes()
    assert (release.archive_sha256, release.size_bytes) == (
        hashlib.sha256(archive.read_bytes()).hexdigest(), archive.stat().st_size,
    )  # fmt: skip


@pytest.mark.parametrize("how", KILLS)
def test_a_worker_killed_mid_release_build_publishes_it_once_and_whole(
    how, media_root, tmp_path, settings, start_worker
):
    """Killed while the release is written, nothing is published and it stays "building"
    (was, for a whole worker: until Redis' one-hour redelivery, retry refused meanwhile); the
    redelivery (pool) or the sweeper and a fresh worker once it is stale (whole) build it again
    from scratch, throwing the dead attempt's ``.build-<id>-1`` folder away."""
    project = _big_release_project()
    _purge("export")
    deadline = time.monotonic() + WAIT_LIMIT
    first = _first_worker(how, "export", start_worker, settings)
    release = release_create(project=project, version="1.0.0")
    _wait_building(release, first, deadline)
    _kill(how, first)
    release.refresh_from_db()
    assert (release.status, release.attempts) == ("building", 1), "killed before it finished"
    assert not release_dir(release).exists() and not release_archive(release).exists()
    assert (releases_root(project) / f".build-{release.pk}-1").is_dir()

    def finished() -> bool:
        release.refresh_from_db()
        return release.status not in ("pending", "building")

    _recover(
        how, first, start_worker, "export", finished, deadline,
        lambda: f"release stayed {release.status}",
    )  # fmt: skip
    _assert_published_whole(release, tmp_path)


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


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnRedis]:
    """A Redis of this test's own, which this process's producers use until the test ends
    (request ``start_worker`` after it, so the workers stop before it does)."""
    broker = OwnRedis(tmp_path / "redis.log")
    configured = os.environ.get("CELERY_BROKER_URL")
    broker.start()
    _producers_to(broker.url)
    yield broker
    broker.stop()
    _producers_to(configured)


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _clip_claimed_by_k(project: Project) -> tuple[Clip, list[Any], Callable[[Any], None]]:
    """A clip claimed by k annotators over the API, and how each submits the same label."""
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

    return clip, annotators, submit


def test_work_asked_for_while_redis_is_down_is_done_once_it_is_back(
    settings, caplog, own_broker, start_worker
):
    """Redis stopped: the k-th submit of a clip, an agreement request and a release request
    each answer as usual, their work committed but not sent. Redis started again: the
    sweeper sends each, and a worker routes the clip, computes the report and publishes the
    release, with no edit of the database."""
    settings.ROUTING_RESEND_SECONDS = 1  # the sweeper's patience for routing (default 2 min)
    project = Project.objects.create(
        slug=f"down-{uuid.uuid4().hex[:6]}", name="broker down", overlap_k=3
    )
    admin = member(project, Role.ADMIN)
    clip, annotators, submit = _clip_claimed_by_k(project)
    for user in annotators[:-1]:
        submit(user)
    with app.producer_or_acquire() as producer:  # as a web process has: a pooled,
        producer.connection.ensure_connection(max_retries=1)  # connected producer
    own_broker.stop()

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

    own_broker.start()
    worker = start_worker("worker", "agreement,export", CELERY_BROKER_URL=own_broker.url)

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
    _wait_until(
        all_done, deadline, worker,
        lambda: f"clip {clip.stage}, report {report.status}, release {release.status}",
        sweep=True,
    )  # fmt: skip
    assert clip.stage == "gold"  # three identical labels
    assert GoldLabel.objects.get(clip=clip, is_current=True).provenance == "unanimous"
    assert report.status == "done", report.error
    assert report.enqueued_at is not None and report.report["n_annotations"] == 3
    assert release.status == "published", release.error
    log = worker.log.read_text()
    for task in ("agreement_route_clips", "agreement_recompute_project", "release_build_task"):
        assert task in log, log


def test_routing_lost_in_a_redis_restart_is_sent_again(settings, own_broker, start_worker):
    """The k-th submit sends the clip's routing; Redis restarts (no persistence) before any
    worker takes it and the message is gone. The clip, still "aggregating" (was: forever),
    is sent again by the sweeper and a worker routes it."""
    settings.ROUTING_RESEND_SECONDS = 1  # the sweeper's patience for routing (default 2 min)
    project = Project.objects.create(
        slug=f"lost-{uuid.uuid4().hex[:6]}", name="message lost", overlap_k=3
    )
    clip, annotators, submit = _clip_claimed_by_k(project)
    for user in annotators:
        submit(user)
    queued = redis.Redis.from_url(own_broker.url)
    assert queued.llen("agreement") == 1, "the k-th submit sent the routing"
    own_broker.stop()
    own_broker.start()
    assert queued.llen("agreement") == 0, "the restart lost it"
    clip.refresh_from_db()
    assert clip.stage == "aggregating"

    worker = start_worker("worker", "agreement", CELERY_BROKER_URL=own_broker.url)

    def routed() -> bool:
        clip.refresh_from_db()
        return clip.stage != "aggregating"

    deadline = time.monotonic() + WAIT_LIMIT
    _wait_until(routed, deadline, worker, lambda: f"clip {clip.stage}", sweep=True)
    assert clip.stage == "gold"
    assert GoldLabel.objects.get(clip=clip, is_current=True).provenance == "unanimous"
    assert "agreement_route_clips" in worker.log.read_text()
