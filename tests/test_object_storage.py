"""STORAGE_BACKEND=s3 against a real S3 HTTP endpoint (moto's server), in this process with
eager tasks: what an import, an ingest, a label upload and a release put into the bucket,
what stays on the local disk (nothing), and how members get the files (presigned redirects
after the same membership check)."""

import hashlib
import io
import re
import tarfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from object_storage import client, s3_objects

from annotation.models import Role
from annotation.services.label_upload import label_upload_preview
from clips.media import MediaError
from clips.models import Clip, Upload
from clips.sources import fetch_source
from clips.uploads import uploads_sweep
from exports.services import release_create
from factories import ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # builds start on commit

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def ingested(s3, sample_media, media_root) -> Clip:
    call_command("import_clips", str(sample_media["playable"]), project="s3", stdout=StringIO())
    clip = Clip.objects.get(project__slug="s3")
    assert clip.media_status == "ready", clip.media_error
    return clip


def test_an_import_puts_media_in_the_bucket_and_nothing_on_disk(s3, ingested, media_root):
    base = f"clips/{ingested.project_id}/{ingested.pk}"
    stored = s3_objects(s3, "")
    assert set(stored) == {f"{base}/video.mp4", f"{base}/poster.jpg", f"{base}/waveform.json"}
    assert ingested.media_file.name == f"{base}/video.mp4"
    # The staged source went once ingested; ffmpeg's work folder was removed.
    bucket = s3["AWS_STORAGE_BUCKET_NAME"]
    assert ingested.source_uri.startswith(f"s3://{bucket}/sources/{ingested.project_id}/")
    assert _files(media_root) == []


def test_members_are_redirected_to_a_short_lived_url_others_get_404(s3, ingested, client, settings):
    project = ingested.project
    name = ingested.media_file.name
    client.force_login(member(project, Role.ADMIN))
    answer = client.get(f"/media/{name}")
    assert answer.status_code == 302
    url = answer["Location"]
    assert url.startswith(f"{s3['AWS_S3_ENDPOINT_URL']}/{s3['AWS_STORAGE_BUCKET_NAME']}/{name}?")
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == [str(settings.AWS_QUERYSTRING_EXPIRE)]
    video = requests.get(url, headers={"Range": "bytes=10-19"})
    stored = client_bytes(s3, name)
    assert (video.status_code, video.content) == (206, stored[10:20])

    client.force_login(member(ProjectFactory(slug="other"), Role.ADMIN))
    assert client.get(f"/media/{name}").status_code == 404
    # The API hands out the app's URL, never the bucket's.
    assert ingested.media_file.url == f"/media/{name}"


def client_bytes(env: dict[str, str], key: str) -> bytes:
    body = client(env).get_object(Bucket=env["AWS_STORAGE_BUCKET_NAME"], Key=key)["Body"]
    return bytes(body.read())


def test_a_presigned_url_can_be_signed_for_the_address_browsers_use(s3, ingested, client, settings):
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = "https://media.example.org"
    client.force_login(member(ingested.project, Role.ADMIN))
    url = client.get(f"/media/{ingested.media_file.name}")["Location"]
    assert url.startswith(f"https://media.example.org/{s3['AWS_STORAGE_BUCKET_NAME']}/clips/")


def test_a_release_with_media_is_built_from_the_bucket_and_downloaded_from_it(
    s3, ingested, client, media_root
):
    project = ingested.project
    annotators = [member(project, Role.ANNOTATOR) for _ in range(project.overlap_k)]
    for user in annotators:
        client.force_login(user)
        work = client.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
        answer = client.post(
            f"/api/assignments/{work['id']}/submit/",
            {"payload": LABELS},
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content
    release = release_create(project=project, version="1.0.0", options={"media": "include"})
    release.refresh_from_db()
    assert release.status == "published", release.error
    assert release.archive_path == f"releases/{project.slug}/{project.slug}-1.0.0.tar.gz"

    client.force_login(member(project, Role.ADMIN))
    answer = client.get(f"/api/releases/{release.pk}/download/")
    assert answer.status_code == 302
    url = answer["Location"]
    assert "response-content-disposition=attachment" in url
    archive = requests.get(url).content
    assert hashlib.sha256(archive).hexdigest() == release.archive_sha256
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        media = [m for m in tar if "/media/" in m.name]
        assert len(media) == 1
        packed = tar.extractfile(media[0]).read()  # type: ignore[union-attr]
    assert packed == client_bytes(s3, ingested.media_file.name)
    assert f"releases/{project.slug}/1.0.0/README.md" in s3_objects(s3, "releases/")

    # Scoring reads the release's tables from the bucket.
    folder = f"releases/{project.slug}/1.0.0"
    (split,) = [
        s
        for s in ("train", "validation", "test")
        if b"playable" in client_bytes(s3, f"{folder}/splits/{s}.txt")
    ]
    predictions = SimpleUploadedFile("p.jsonl", b'{"clip_id": "playable", "basic7": "Joy"}\n')
    scored = client.post(
        f"/api/releases/{release.pk}/score/", {"predictions": predictions, "split": split}
    )
    assert scored.status_code == 200, scored.content
    assert scored.json()["basic7"]["accuracy"] == 1.0
    assert _files(media_root) == []


def test_label_files_are_kept_in_the_bucket_and_read_from_it(s3, media_root):
    project = ProjectFactory(slug="labels-s3")
    sheet = b"external_id,annotator,basic7\nc1,r1,Joy\nc1,r2,Joy\n"
    job = label_upload_preview(
        project=project,
        user=member(project, Role.ADMIN),
        files=[SimpleUploadedFile("labels.csv", sheet)],
    )
    assert job.report["preview"]["labels"] == 2
    assert s3_objects(s3, "uploads/labels/") == {job.report["files"][0]: len(sheet)}
    assert _files(media_root) == []


def test_a_source_in_another_bucket_or_missing_is_read_or_failed_with_the_reason(s3, tmp_path):
    other = "emos-sources"
    client(s3).create_bucket(Bucket=other)
    client(s3).put_object(Bucket=other, Key="film/a.mp4", Body=b"bytes")
    assert fetch_source(f"s3://{other}/film/a.mp4", tmp_path).read_bytes() == b"bytes"
    with pytest.raises(MediaError, match=re.escape(f"file not found: s3://{other}/film/missing")):
        fetch_source(f"s3://{other}/film/missing.mp4", tmp_path)


def test_healthz_reports_the_bucket(s3, client, settings):
    body = client.get("/healthz").json()
    assert body["storage"] == {"ok": True, "backend": "s3"}
    assert s3_objects(s3, "healthz/") == {}  # the probe cleans up after itself

    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket"
    settings.STORAGES = {**settings.STORAGES}  # a new storage object with the new bucket
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert "NoSuchBucket" in answer.json()["storage"]["error"]


def test_a_manifest_may_name_sources_in_a_bucket_or_at_a_url(s3, sample_media, tmp_path):
    other = "emos-corpus"
    client(s3).create_bucket(Bucket=other)
    client(s3).upload_file(str(sample_media["playable"]), other, "film/a.mp4")
    url = client(s3).generate_presigned_url(
        "get_object", Params={"Bucket": other, "Key": "film/a.mp4"}
    )
    manifest = tmp_path / "clips.csv"
    manifest.write_text(f"path,external_id\ns3://{other}/film/a.mp4,\n{url},by-url\n")
    call_command("import_clips", str(manifest), project="remote", stdout=StringIO())
    clips = {c.external_id: c for c in Clip.objects.filter(project__slug="remote")}
    assert clips["film/a"].source_uri == f"s3://{other}/film/a.mp4"  # read where it is
    assert clips["film/a"].media_status == "ready", clips["film/a"].media_error
    # The same bytes by URL: a duplicate, found by the hash of the downloaded copy.
    assert clips["by-url"].media_status == "duplicate"


def test_the_sweep_leaves_a_finished_upload_whose_file_is_on_another_web(s3, media_root):
    """A worker's sweep finds no file of an upload another web received: it leaves that
    upload instead of failing the whole sweep."""
    project = ProjectFactory(slug="elsewhere")
    upload = Upload.objects.create(
        project=project, created_by=member(project, Role.ADMIN), filename="far.mp4",
        length=10, offset=10, status="complete",
    )  # fmt: skip
    Upload.objects.update(updated_at=timezone.now() - timedelta(days=1))
    assert uploads_sweep() == {"imported": 0, "expired": 0}
    upload.refresh_from_db()
    assert upload.import_job is None and _files(media_root) == []
