"""Issue 16 on the real stack: two web processes and two Celery workers, each with its own
DATA_DIR and MEDIA_ROOT (four temporary folders standing for four machines), sharing only
PostgreSQL, Redis and an S3 endpoint (moto's standalone server). The whole flow — import with
media (the command here, and a tus upload to one web), ingest, annotate, route, a release with
its media included, download — and afterwards no process's folder holds a file: nothing was
ever read from another's disk, because nothing stayed on any disk."""

import base64
import hashlib
import io
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from object_storage import s3_objects
from test_celery_worker import ROOT, WAIT_LIMIT, Worker, stack_env
from web_server import GUNICORN_CONF, free_port, stop, wait_http

from annotation.celery import app
from annotation.models import GoldLabel, Role
from annotation.security.tokens import token_issue
from clips.models import Clip
from factories import member

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


class Web:
    """A gunicorn serving the app, as a web machine would."""

    def __init__(self, media_root: Path, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "annotation.wsgi"],
            cwd=ROOT, stdout=log.open("wb"),
            env=stack_env(
                media_root, WEB_BIND=f"127.0.0.1:{self.port}", WEB_WORKERS="1", WEB_THREADS="4",
                **env,
            ),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        # /healthz answers 200 only when database, broker and the bucket answer.
        wait_http(f"{self.url}/healthz", self.proc, log)

    def session(self, user: Any) -> requests.Session:
        """The API's client: a token."""
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token_issue(user=user).key}"
        return session


def browser(user: Any) -> requests.Session:
    """The player's client: a signed-in session (stored in the shared database), as the
    browser sends it for ``/media/``."""
    signed_in = Client()
    signed_in.force_login(user)
    cookie = django_settings.SESSION_COOKIE_NAME
    session = requests.Session()
    session.cookies.set(cookie, signed_in.cookies[cookie].value)
    return session


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _until(what: str, check: Any, logs: list[Path]) -> Any:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    pytest.fail(f"{what} never happened:\n" + "\n".join(log.read_text()[-3000:] for log in logs))


def _tus_upload(web: Web, session: requests.Session, slug: str, path: Path) -> None:
    data = path.read_bytes()
    tus = {"Tus-Resumable": "1.0.0"}
    meta = f"filename {base64.b64encode(path.name.encode()).decode()}"
    created = session.post(
        f"{web.url}/api/projects/{slug}/uploads/",
        headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
    )
    assert created.status_code == 201, created.text
    written = session.patch(
        web.url + created.headers["Location"],
        data=data,
        headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert written.status_code == 204, written.text


def test_the_whole_flow_on_four_machines_sharing_only_the_services(
    s3, s3_endpoint, sample_media, media_root, tmp_path, settings
):
    app.control.purge()  # nothing left over from an earlier run reaches these workers
    bucket = s3["AWS_STORAGE_BUCKET_NAME"]
    machines = {name: tmp_path / name for name in ("web-a", "web-b", "worker-1", "worker-2")}
    logs = tmp_path / "logs"
    logs.mkdir()

    settings.SECRET_KEY = "across-machines-test"  # sessions signed in here hold on every web

    def env(name: str) -> dict[str, str]:
        (machines[name] / "media").mkdir(parents=True)
        return {**s3, "DATA_DIR": str(machines[name]), "SECRET_KEY": settings.SECRET_KEY}

    # Ingest on one worker, routing and the release build on the other.
    workers = [
        Worker(machines["worker-1"] / "media", logs / "w1.log", queues="media", **env("worker-1")),
        Worker(machines["worker-2"] / "media", logs / "w2.log", queues="agreement,export,default",
               **env("worker-2")),
    ]  # fmt: skip
    webs: list[Web] = []
    all_logs = [logs / "w1.log", logs / "w2.log", logs / "web-a.log", logs / "web-b.log"]
    try:
        webs.append(Web(machines["web-a"] / "media", logs / "web-a.log", **env("web-a")))
        webs.append(Web(machines["web-b"] / "media", logs / "web-b.log", **env("web-b")))
        web_a, web_b = webs
        slug = f"across-{uuid.uuid4().hex[:6]}"

        # Import: the command (this process) stages its source into the bucket ...
        folder = tmp_path / "sources"
        folder.mkdir()
        (folder / "first.mp4").write_bytes(sample_media["playable"].read_bytes())
        call_command("import_clips", str(folder), project=slug, no_wait=True, stdout=io.StringIO())
        first = Clip.objects.get(project__slug=slug, external_id="first")
        assert first.source_uri.startswith(f"s3://{bucket}/sources/")
        project = first.project
        admin = member(project, Role.ADMIN)
        # ... and a file uploaded to web A over tus leaves its disk for the bucket.
        _tus_upload(web_a, web_a.session(admin), slug, sample_media["mpeg2"])

        clips = _until(
            "ingest of both clips",
            lambda: (
                list(Clip.objects.filter(project=project, media_status="ready"))
                if Clip.objects.filter(project=project, media_status="ready").count() == 2
                else None
            ),
            all_logs,
        )
        assert "Task clips.tasks.ingest_clip[" in (logs / "w1.log").read_text()
        assert s3_objects(s3, "sources/") == {}  # staged copies go once ingested

        # Annotate through web B: its media comes as a redirect to a presigned URL, whose
        # range requests the bucket answers.
        for _ in range(project.overlap_k):
            annotator = member(project, Role.ANNOTATOR)
            session, player = web_b.session(annotator), browser(annotator)
            for _clip in clips:
                work = session.post(f"{web_b.url}/api/projects/{slug}/next/").json()["assignment"]
                answer = player.get(web_b.url + work["clip"]["video_url"], allow_redirects=False)
                assert answer.status_code == 302, answer.text
                assert answer.headers["Location"].startswith(f"{s3_endpoint}/{bucket}/clips/")
                part = requests.get(answer.headers["Location"], headers={"Range": "bytes=0-99"})
                assert (part.status_code, len(part.content)) == (206, 100)
                submitted = session.post(
                    f"{web_b.url}/api/assignments/{work['id']}/submit/", json={"payload": LABELS}
                )
                assert submitted.status_code == 201, submitted.text

        # Routing (worker 2) makes them gold; a release with media is asked of web A.
        _until("routing", lambda: GoldLabel.objects.filter(clip__project=project).count() == 2,
               all_logs)  # fmt: skip
        admin_a = web_a.session(admin)
        created = admin_a.post(
            f"{web_a.url}/api/projects/{slug}/releases/",
            json={"version": "1.0.0", "options": {"media": "include"}},
        )
        assert created.status_code == 202, created.text
        detail = f"{web_b.url}/api/releases/{created.json()['id']}/"
        admin_b = web_b.session(admin)
        release = _until(
            "the release build",
            lambda: (r if (r := admin_b.get(detail).json())["status"] in ("published", "failed")
                     else None),
            all_logs,
        )  # fmt: skip
        assert release["status"] == "published", release["error"]

        # Download through web B: a redirect to the bucket, the archive with both videos.
        answer = admin_b.get(web_b.url + release["download_url"], allow_redirects=False)
        assert answer.status_code == 302, answer.text
        archive = requests.get(answer.headers["Location"]).content
        assert hashlib.sha256(archive).hexdigest() == release["archive_sha256"]
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            media = {m.name.rsplit("/", 1)[-1]: m.size for m in tar if "/media/" in m.name}
        stored = s3_objects(s3, "clips/")
        videos = sorted(size for key, size in stored.items() if key.endswith("/video.mp4"))
        assert sorted(media.values()) == videos and len(videos) == 2
    finally:
        for web in webs:
            stop(web.proc)
        for worker in workers:
            worker.stop()

    # No machine kept a file: media, posters, waveforms, uploads and the release build all
    # went to the bucket, and every local copy (ffmpeg's work, the release's) was removed.
    for name, folder in machines.items():
        assert _files(folder) == [], name
    assert _files(media_root) == []  # this process, which ran the import
