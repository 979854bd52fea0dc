"""Serving members' files: a 1 GiB release archive and 200 concurrent seeking range requests on
a video, through the deployment path (nginx sends the file after Django's check answers
``X-Accel-Redirect``) against Django streaming the bytes itself (behind the same nginx, which
buffers as the shipped config does), measured in the same run on the same files.

    DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… pytest tests/benchmarks/bench_serving.py \
        -o python_files='bench_*.py' -s

Needs ``nginx`` on PATH (Debian: ``apt-get install nginx-light``). Presigned URLs are not
measured: the bytes then come from the object store, whose speed is not ours (moto, the test
endpoint, is a Python server).
"""

import http.client
import os
import random
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from benchutil import gunicorn, run_parallel
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from web_server import free_port

from annotation.models import Membership, Project
from clips.models import Clip
from exports.models import Release

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

ARCHIVE_SIZE = 1024**3
VIDEO_SIZE = 64 * 1024**2
SEEKS = 200
SEEK_LENGTH = 512 * 1024  # what a player asks for after a seek, roughly
BLOCK = 8 * 1024**2
REPEAT = 3  # medians of three

NGINX = """
user root;
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_buffering on;
    proxy_max_temp_file_size 16384m;
    proxy_read_timeout 600s;
    server {{
        listen 127.0.0.1:{accel_port};
        location /protected/ {{ internal; alias {media}/; }}
        location / {{ proxy_pass http://127.0.0.1:{accel_app}; proxy_set_header Host $http_host; }}
    }}
    server {{
        listen 127.0.0.1:{stream_port};
        location / {{ proxy_pass http://127.0.0.1:{stream_app}; proxy_set_header Host $http_host; }}
    }}
}}
"""


@contextmanager
def app(media: Path, **env: str) -> Iterator[int]:
    """gunicorn as in Compose (its config file: threaded workers), 2 × 16 threads."""
    with gunicorn(MEDIA_ROOT=str(media), WEB_WORKERS="2", WEB_THREADS="16", **env) as server:
        yield server.port


@contextmanager
def nginx(tmp: Path, media: Path, accel_app: int, stream_app: int) -> Iterator[tuple[int, int]]:
    accel_port, stream_port = free_port(), free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX.format(tmp=tmp, media=media, accel_port=accel_port, stream_port=stream_port,
                     accel_app=accel_app, stream_app=stream_app)
    )  # fmt: skip
    log = tmp / "nginx.log"
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)], stderr=log.open("wb"))
    try:
        for _ in range(100):
            assert proc.poll() is None, log.read_text()
            try:
                http.client.HTTPConnection("127.0.0.1", accel_port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.1)
        yield accel_port, stream_port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for _ in range(size // BLOCK):
            out.write(os.urandom(BLOCK))


def download(port: int, url: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", url, headers=headers)
    answer = conn.getresponse()
    assert answer.status == 200, answer.status
    received = 0
    while block := answer.read(BLOCK):
        received += len(block)
    return received


def seeks(port: int, url: str, headers: dict[str, str], video: bytes) -> float:
    offsets = [random.Random(i).randrange(VIDEO_SIZE - SEEK_LENGTH) for i in range(SEEKS)]

    def one(i: int) -> None:
        start = offsets[i]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", url, headers={
            **headers, "Range": f"bytes={start}-{start + SEEK_LENGTH - 1}"})  # fmt: skip
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 206, (answer.status, answer.getheaders(), body[:300])
        assert body == video[start : start + SEEK_LENGTH]

    return run_parallel(SEEKS, one)


def test_serving_through_nginx_against_django(tmp_path):
    assert shutil.which("nginx"), "the deployment path needs nginx: apt-get install nginx-light"
    media = tmp_path / "media"
    project = Project.objects.create(slug="bench", name="bench")
    user = get_user_model().objects.create_user("bench-admin")
    Membership.objects.create(project=project, user=user, role="admin")
    token = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    browser = Client()
    browser.force_login(user)
    cookie = settings.SESSION_COOKIE_NAME
    session = {"Cookie": f"{cookie}={browser.cookies[cookie].value}"}
    clip = Clip.objects.create(
        project=project, external_id="v", media_status="ready", duration_s=60.0
    )
    clip.media_file.name = f"clips/{project.pk}/{clip.pk}/video.mp4"
    clip.save()
    _write(media / clip.media_file.name, VIDEO_SIZE)
    video = (media / clip.media_file.name).read_bytes()
    archive = "releases/bench/bench-1.0.0.tar.gz"
    _write(media / archive, ARCHIVE_SIZE)
    release = Release.objects.create(
        project=project, major=1, minor=0, patch=0, status="published",
        published_at=timezone.now(), archive_path=archive, size_bytes=ARCHIVE_SIZE,
    )  # fmt: skip
    (tmp_path / "nginx").mkdir()
    results: dict[tuple[str, str], list[float]] = {}
    with (
        app(media, MEDIA_ACCEL_REDIRECT="/protected/") as accel_app,
        app(media, MEDIA_ACCEL_REDIRECT="") as stream_app,
        nginx(tmp_path / "nginx", media, accel_app, stream_app) as (accel, stream),
    ):
        paths = (("X-Accel", accel), ("Django", stream))
        for _name, port in paths:
            seeks(port, f"/media/{clip.media_file.name}", session, video)  # warm both
        for _ in range(REPEAT):  # interleaved, so a busy moment hits both alike
            for name, port in paths:
                took = seeks(port, f"/media/{clip.media_file.name}", session, video)
                results.setdefault((name, "seeks"), []).append(took)
                start = time.perf_counter()
                size = download(port, f"/api/releases/{release.pk}/download/", token)
                results.setdefault((name, "archive"), []).append(time.perf_counter() - start)
                assert size == ARCHIVE_SIZE

    load = os.getloadavg()[0]
    for what, label in (("seeks", f"{SEEKS} concurrent seeks"), ("archive", "1 GiB archive")):
        ours = statistics.median(results["X-Accel", what])
        django = statistics.median(results["Django", what])
        print(
            f"\n{label} (median of {REPEAT}): X-Accel via nginx {ours:.2f} s, "
            f"Django streaming {django:.2f} s, "
            f"Django/X-Accel {django / ours:.1f}x (load average {load:.1f})"
        )
