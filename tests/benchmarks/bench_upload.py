"""A 1 GiB media upload through the tus endpoint — HTTP to gunicorn on PostgreSQL, in the
browser's 64 MiB PATCHes, from creation to the last byte stored — against a plain ``cp`` of
the same file on the same disk, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test CELERY_BROKER_URL=redis://… make bench

With a broker the finished file's ingest goes to the media queue (purged afterwards), so the
upload is timed, not the ingest.
"""

import base64
import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest
from benchutil import gunicorn
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from annotation.celery import app
from annotation.models import Membership, Project
from clips.models import Upload

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

SIZE = 1024**3
CHUNK = 64 * 1024**2  # the browser's (frontend/src/imports/media-upload.ts)


def tus_upload(port: int, token: str, path: Path) -> None:
    headers = {"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"}
    name = base64.b64encode(path.name.encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/api/projects/bench/uploads/", headers={
        **headers, "Upload-Length": str(SIZE), "Upload-Metadata": f"filename {name}"})  # fmt: skip
    created = conn.getresponse()
    created.read()
    assert created.status == 201, created.status
    url = created.getheader("Location")
    offset = 0
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            conn.request("PATCH", url, body=block, headers={
                **headers, "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream"})  # fmt: skip
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 204, answer.status
            offset = int(answer.getheader("Upload-Offset"))
    assert offset == SIZE


def test_upload_throughput_against_cp(tmp_path):
    source = tmp_path / "big.mp4"
    with source.open("wb") as out:
        for _ in range(SIZE // CHUNK):
            out.write(os.urandom(CHUNK))
    media = tmp_path / "media"
    project = Project.objects.create(slug="bench", name="bench")
    user = get_user_model().objects.create_user("bench-admin")
    Membership.objects.create(project=project, user=user, role="admin")
    token = Token.objects.create(user=user).key

    start = time.perf_counter()
    subprocess.run(["cp", str(source), str(tmp_path / "copy.mp4")], check=True)
    copied = time.perf_counter() - start

    os.environ["MEDIA_ROOT"] = str(media)
    try:
        with gunicorn(WEB_WORKERS="2", WEB_THREADS="4") as server:
            port = server.port
            start = time.perf_counter()
            tus_upload(port, token, source)
            uploaded = time.perf_counter() - start
    finally:
        del os.environ["MEDIA_ROOT"]
        app.control.purge()  # the ingest nobody here runs
    upload = Upload.objects.get()
    assert upload.status == "complete"
    mib = SIZE / 1024**2
    print(
        f"\n1 GiB upload: tus over HTTP {uploaded:.2f} s ({mib / uploaded:.0f} MiB/s), "
        f"cp {copied:.2f} s ({mib / copied:.0f} MiB/s), ratio {uploaded / copied:.2f}x"
    )
