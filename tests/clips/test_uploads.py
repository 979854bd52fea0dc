"""Media uploads over tus (``clips.uploads``): the protocol, resuming, the writer lock, limits,
duplicates, and the hand-off to the media queue with the ingest's reasons."""

import base64
import hashlib
import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clips.models import Clip, ImportJob, Upload
from clips.uploads import upload_path, upload_write
from factories import ProjectFactory, member

pytestmark = pytest.mark.django_db
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"


def fingerprint(data: bytes) -> str:
    mib = 1 << 20
    return hashlib.sha256(str(len(data)).encode() + data[:mib] + data[-mib:]).hexdigest()


def meta(**pairs: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


@pytest.fixture
def admin_client(media_root):
    project = ProjectFactory(slug="p")
    client = APIClient()
    client.force_authenticate(member(project, "admin", "boss"))
    return client


def create(client: APIClient, name: str, data: bytes, **extra: str):
    return client.post(
        "/api/projects/p/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=meta(filename=name, fingerprint=fingerprint(data), **extra),
        **TUS,
    )


def patch(client: APIClient, url: str, offset: int, body: bytes):
    return client.generic(
        "PATCH", url, body, content_type=OFFSET_STREAM, HTTP_UPLOAD_OFFSET=str(offset), **TUS
    )


def test_discovery_says_version_extensions_and_limit(admin_client, settings):
    response = admin_client.options("/api/projects/p/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination"}
    assert int(response["Tus-Max-Size"]) == settings.UPLOAD_MAX_BYTES


def test_an_upload_in_two_parts_becomes_a_ready_clip(admin_client, sample_media, media_root):
    data = sample_media["playable"].read_bytes()
    created = create(admin_client, "interview 1.mp4", data)
    assert created.status_code == 201, created.content
    url = created["Location"]
    half = len(data) // 2
    first = patch(admin_client, url, 0, data[:half])
    assert first.status_code == 204 and first["Upload-Offset"] == str(half)
    head = admin_client.head(url, **TUS)
    assert (head["Upload-Offset"], head["Upload-Length"]) == (str(half), str(len(data)))
    assert head["Cache-Control"] == "no-store"
    second = patch(admin_client, url, half, data[half:])
    assert second.status_code == 204 and second["Upload-Offset"] == str(len(data))

    body = admin_client.get(url).json()
    assert body["status"] == "complete"
    assert body["clip"]["external_id"] == "interview 1"
    assert body["clip"]["media_status"] == "ready"
    clip = Clip.objects.get(external_id="interview 1")
    assert clip.content_sha256 == hashlib.sha256(data).hexdigest()
    job = ImportJob.objects.get(uploads__isnull=False)
    assert (job.kind, job.status, job.created_by.username) == ("clips", "done", "boss")
    assert (media_root / clip.media_file.name).is_file()


def test_a_wrong_offset_is_a_conflict_and_writes_nothing(admin_client):
    data = b"\0" * 1000
    url = create(admin_client, "a.mp4", data)["Location"]
    response = patch(admin_client, url, 10, data[10:])
    assert response.status_code == 409
    assert Upload.objects.get().offset == 0


def test_a_patch_on_a_host_without_the_uploads_bytes_is_refused_clearly(admin_client):
    """Several web machines without a shared MEDIA_ROOT: a resumed PATCH that reaches another
    machine than the one holding the bytes is told so (409), writes nothing and leaves the
    upload to be resumed where its bytes are; not a 500, and no file of zeros begun here."""
    data = b"\1" * 1000
    url = create(admin_client, "a.mp4", data)["Location"]
    assert patch(admin_client, url, 0, data[:400]).status_code == 204
    upload = Upload.objects.get()
    part = upload_path(upload)
    elsewhere = part.read_bytes()
    part.unlink()  # this machine never had them
    response = patch(admin_client, url, 400, data[400:])
    assert response.status_code == 409
    assert "another" in response.json()["error"]["message"]
    assert not part.exists()
    upload.refresh_from_db()
    assert (upload.offset, upload.writer, upload.status) == (400, None, "receiving")
    part.write_bytes(elsewhere)  # back on the machine that holds them: it resumes
    assert patch(admin_client, url, 400, data[400:]).status_code == 204
    assert upload_path(Upload.objects.get()).read_bytes() == data


def test_a_body_cut_short_keeps_what_arrived(admin_client):
    """A dropped connection: the server stores what it received and the client resumes there."""
    data = bytes(range(256)) * 40
    upload = Upload.objects.get(pk=create(admin_client, "a.mp4", data)["Location"].split("/")[-2])
    upload_write(upload=upload, offset=0, body=io.BytesIO(data[:3000]), body_length=len(data))
    upload.refresh_from_db()
    assert (upload.offset, upload.status, upload.writer) == (3000, "receiving", None)


def test_a_live_writer_locks_the_upload_and_a_stale_one_is_taken_over(admin_client, settings):
    data = b"x" * 5000
    url = create(admin_client, "a.mp4", data)["Location"]
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(
        writer="00000000-0000-0000-0000-000000000001", writer_seen_at=timezone.now()
    )
    assert patch(admin_client, url, 0, data).status_code == 423
    stale = timezone.now() - timedelta(seconds=settings.UPLOAD_WRITER_STALE_SECONDS + 1)
    Upload.objects.filter(pk=upload.pk).update(writer_seen_at=stale)
    assert patch(admin_client, url, 0, data[:100]).status_code == 204
    assert Upload.objects.get().offset == 100


@pytest.mark.realstack
@pytest.mark.django_db(transaction=True)
def test_two_processes_writing_one_offset_only_one_writes(media_root):
    """Two requests at the same offset at once (PostgreSQL, two connections): one takes the
    upload, the other is refused — 423 while it writes, 409 once the offset moved."""
    project = ProjectFactory(slug="p")
    user = member(project, "admin", "boss")
    from clips.uploads import upload_create

    upload = upload_create(project=project, user=user, filename="a.mp4", length=10)
    started, release = threading.Event(), threading.Event()

    class Slow(io.BytesIO):
        def read(self, n: int = -1) -> bytes:
            started.set()
            release.wait(10)
            return super().read(n)

    outcome: dict[str, object] = {}

    def first() -> None:
        from django.db import connection

        try:
            outcome["first"] = upload_write(upload=upload, offset=0, body=Slow(b"a" * 5),
                                            body_length=5).offset  # fmt: skip
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    started.wait(10)
    from clips.uploads import Locked

    with pytest.raises(Locked):
        upload_write(upload=upload, offset=0, body=io.BytesIO(b"b" * 5), body_length=5)
    release.set()
    thread.join()
    assert outcome["first"] == 5
    assert (
        Path(media_root / "uploads" / str(project.pk) / str(upload.pk) / "a.mp4").read_bytes()[:5]
        == b"aaaaa"
    )


def test_size_is_bounded_by_the_setting(admin_client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = create(admin_client, "big.mp4", b"x" * 1001)
    assert response.status_code == 413
    assert "big.mp4" in response.json()["error"]["message"]
    assert not Upload.objects.exists()


def test_a_body_past_the_length_is_refused(admin_client):
    url = create(admin_client, "a.mp4", b"x" * 10)["Location"]
    assert patch(admin_client, url, 0, b"x" * 11).status_code == 400


def test_not_a_media_name_is_refused_before_any_byte(admin_client):
    response = create(admin_client, "notes.txt", b"x" * 10)
    assert response.status_code == 400
    assert "notes.txt: not a media file" in response.json()["error"]["message"]


def test_without_tus_resumable_it_is_412(admin_client):
    response = admin_client.post("/api/projects/p/uploads/", HTTP_UPLOAD_LENGTH="10")
    assert response.status_code == 412


def test_the_same_content_again_is_refused_before_it_is_sent(admin_client, sample_media):
    data = sample_media["playable"].read_bytes()
    url = create(admin_client, "first.mp4", data)["Location"]
    patch(admin_client, url, 0, data)
    again = create(admin_client, "renamed copy.mp4", data)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert "same content as clip first" in again.json()["error"]["message"]


def test_a_corrupt_file_gets_the_ingest_reason(admin_client, sample_media):
    data = sample_media["truncated"].read_bytes()
    url = create(admin_client, "cut.mov", data)["Location"]
    patch(admin_client, url, 0, data)
    clip = admin_client.get(url).json()["clip"]
    assert clip["media_status"] == "failed"
    assert "moov atom not found" in clip["media_error"]


def test_termination_removes_an_unfinished_upload(admin_client, media_root):
    url = create(admin_client, "a.mp4", b"x" * 10)["Location"]
    folder = next((media_root / "uploads").glob("*/*"))
    assert admin_client.delete(url, **TUS).status_code == 204
    assert not Upload.objects.exists() and not folder.exists()
    assert admin_client.head(url, **TUS).status_code == 404


@pytest.mark.parametrize("method", ["head", "patch", "delete", "options"])
def test_the_tus_methods_are_for_the_projects_admins(method, media_root):
    """The matrix (test_permissions) calls GET and POST; the tus methods answer alike."""
    from clips.uploads import upload_create

    project = ProjectFactory(slug="p")
    upload = upload_create(
        project=project, user=member(project, "admin"), filename="a.mp4", length=10
    )
    roles = {"annotator": 403, "adjudicator": 403, "outsider": 404, "admin": None}
    other = ProjectFactory(slug="q")
    for role, expected in roles.items():
        user = member(
            other if role == "outsider" else project, "admin" if role == "outsider" else role
        )
        client = APIClient()
        client.force_authenticate(user)
        url = "/api/projects/p/uploads/" if method == "options" else f"/api/uploads/{upload.pk}/"
        response = client.generic(
            method.upper(), url, b"", content_type=OFFSET_STREAM, HTTP_UPLOAD_OFFSET="0", **TUS
        )
        if method == "options":  # discovery says only what the server speaks
            assert response.status_code == 204
        elif expected is None:
            assert response.status_code < 400, response.content
        else:
            assert response.status_code == expected, (role, response.content)
    assert (
        APIClient().generic(method.upper(), f"/api/uploads/{upload.pk}/", **TUS).status_code == 401
    )


def test_a_name_whose_clip_has_media_is_refused_one_awaiting_media_gets_it(
    admin_client, sample_media
):
    """Clip ids come from file names, as with import_clips: a clip made by a label import
    (no media yet) gets the uploaded file; one with media would silently keep its own."""
    from annotation.models import Project

    project = Project.objects.get(slug="p")
    Clip.objects.create(project=project, external_id="has", media_status="pending")
    waiting = Clip.objects.create(project=project, external_id="waits", media_status="missing")
    refused = create(admin_client, "has.mp4", b"x" * 10)
    assert refused.status_code == 409
    assert "clip has has its media already" in refused.json()["error"]["message"]
    data = sample_media["playable"].read_bytes()
    url = create(admin_client, "waits.mp4", data)["Location"]
    patch(admin_client, url, 0, data)
    waiting.refresh_from_db()
    assert waiting.media_status == "ready"


def test_the_sweep_imports_a_finished_orphan_and_removes_an_abandoned_upload(
    admin_client, sample_media, media_root, settings
):
    """A request that died between storing the last byte and the import, and an upload
    nobody resumed: the sweep (work_sweep, every minute) finishes the one, removes the other."""
    from annotation.tasks import work_sweep

    data = sample_media["playable"].read_bytes()
    orphan_url = create(admin_client, "orphan.mp4", data)["Location"]
    orphan = Upload.objects.get(filename="orphan.mp4")
    (media_root / "uploads" / str(orphan.project_id) / str(orphan.pk) / "orphan.mp4").write_bytes(
        data
    )
    create(admin_client, "abandoned.mp4", b"x" * 10)
    long_ago = timezone.now() - timedelta(days=settings.UPLOAD_EXPIRE_DAYS + 1)
    Upload.objects.filter(pk=orphan.pk).update(status="complete", offset=len(data))
    Upload.objects.update(updated_at=long_ago)  # auto_now: only a queryset update backdates

    swept = work_sweep()
    assert (swept["uploads_imported"], swept["uploads_expired"]) == (1, 1)
    assert admin_client.get(orphan_url).json()["clip"]["media_status"] == "ready"
    assert list(Upload.objects.values_list("filename", flat=True)) == ["orphan.mp4"]
    assert len(list((media_root / "uploads").glob("*/*"))) == 1
