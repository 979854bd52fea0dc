"""Settings come from the environment only; /healthz reports database, broker and ffmpeg."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']"
    "['NAME']), 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'media': str(s.MEDIA_ROOT), "
    "'hosts': s.ALLOWED_HOSTS, 'broker': s.CELERY_BROKER_URL, 'key': s.SECRET_KEY, "
    "'storage': s.STORAGES['default']['BACKEND'], "
    "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']}))"
)
VARIABLES = (
    "DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT", "SECRET_KEY", "ALLOWED_HOSTS",
    "STORAGE_BACKEND", "AWS_S3_ENDPOINT_URL", "AWS_S3_PUBLIC_ENDPOINT_URL",
)  # fmt: skip


def settings_with(env: dict[str, str], data_dir: Path) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="annotation.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], env=clean, cwd=ROOT, capture_output=True, check=True
    )
    return json.loads(out.stdout)


def test_embedded_default_needs_no_variables(tmp_path):
    got = settings_with({}, tmp_path)
    assert got["db"] == "django.db.backends.sqlite3"
    assert got["name"] == str(tmp_path / "db.sqlite3")
    assert got["eager"] is True
    assert got["media"] == str(tmp_path / "media")
    # A secret key is generated once and kept, so sessions survive a restart.
    assert got["key"] == (tmp_path / "secret_key").read_text().strip()
    assert settings_with({}, tmp_path)["key"] == got["key"]


def test_object_storage_from_the_environment(tmp_path):
    """STORAGE_BACKEND=s3: django-storages' S3 backend, and the player may load media from
    the bucket's public address (the redirect's target); the file system adds no origin."""
    got = settings_with(
        {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "emos",
            "AWS_S3_ENDPOINT_URL": "http://minio:9000",
            "AWS_S3_PUBLIC_ENDPOINT_URL": "https://media.example.org/",
        },
        tmp_path,
    )
    assert got["storage"] == "annotation.storage_s3.MediaS3Storage"
    for directive in ("media-src", "img-src", "connect-src"):
        assert "https://media.example.org" in got["csp"][directive]
        assert "http://minio:9000" not in got["csp"][directive]
    embedded = settings_with({}, tmp_path)
    assert embedded["storage"] == "django.core.files.storage.FileSystemStorage"
    assert embedded["csp"]["media-src"] == ["'self'"]


def test_an_unknown_storage_backend_is_refused(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        settings_with({"STORAGE_BACKEND": "ftp"}, tmp_path)
    assert b"STORAGE_BACKEND must be filesystem or s3" in failed.value.stderr


def test_real_stack_from_the_environment(tmp_path):
    got = settings_with(
        {
            "DATABASE_URL": "postgres://u:p@db.example:5432/emos",
            "CELERY_BROKER_URL": "redis://cache.example:6379/0",
            "MEDIA_ROOT": str(tmp_path / "m"),
            "SECRET_KEY": "s3cret",
            "ALLOWED_HOSTS": "emos.example, localhost",
        },
        tmp_path,
    )
    assert got["db"] == "django.db.backends.postgresql"
    assert got["name"] == "emos"
    assert got["eager"] is False
    assert got["broker"] == "redis://cache.example:6379/0"
    assert got["media"] == str(tmp_path / "m")
    assert got["hosts"] == ["emos.example", "localhost"]
    assert got["key"] == "s3cret"


@pytest.mark.django_db
def test_healthz_reports_every_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["ffmpeg"]["ffmpeg"].startswith("ffmpeg version")
    assert body["ffmpeg"]["ffprobe"].startswith("ffprobe version")


@pytest.mark.django_db
def test_healthz_names_a_missing_ffmpeg(client, settings):
    settings.FFPROBE_BINARY = "/nonexistent/ffprobe"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and body["database"]["ok"] is True
    assert "ffprobe not found" in body["ffmpeg"]["error"]
    assert "apt-get install ffmpeg" in body["ffmpeg"]["error"]


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_long_jobs_stay_with_one_worker_and_hold_no_queued_message():
    """Issue 12, item 3: Redis hands an unacknowledged message to another worker once its
    visibility timeout passes (one hour by default, shorter than a long build), so it must
    outlast the hard limit of any task; each slot takes one message at a time, so a long
    transcode holds no queued routing; the long tasks are acknowledged when done, so a worker
    that dies gives its message back."""
    from annotation.celery import app
    from annotation.tasks import agreement_recompute_project, agreement_route_clips
    from clips.tasks import ingest_clip
    from exports.tasks import release_build_task

    conf = app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit > conf.task_soft_time_limit > 0
    assert conf.worker_prefetch_multiplier == 1
    for task in (ingest_clip, agreement_route_clips, agreement_recompute_project,
                 release_build_task):  # fmt: skip
        assert task.acks_late and task.reject_on_worker_lost, task.name


def test_the_storage_check_holds_when_threads_check_at_once(media_root):
    """The threads of a web process answer /healthz at once: each check writes its own file
    (one name per process made them read and delete each other's: 503 under load)."""
    from concurrent.futures import ThreadPoolExecutor

    from annotation.storage import check_storage

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: check_storage(), range(200)))
    assert all(result["ok"] for result in results)
    assert not list((media_root / "healthz").iterdir())
