"""Label import from the browser: files kept with a job that previews the import, nothing
written before the admin confirms, then imported with its report kept on the job."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotation.models import Annotation, Project
from clips.models import Clip, ImportJob
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db
EMOS = Path(__file__).resolve().parents[3] / "shared" / "emos"
BATCH1 = EMOS / "ch-simsv2" / "first-2500"


@pytest.fixture
def admin_client(media_root):
    project = ProjectFactory(slug="p")
    client = APIClient()
    client.force_authenticate(member(project, "admin", "boss"))
    return client


def send(client: APIClient, *files: tuple[str, bytes], **fields: str):
    return client.post(
        "/api/projects/p/label-imports/",
        {"files": [SimpleUploadedFile(name, data) for name, data in files], **fields},
        format="multipart",
    )


def test_the_chsims_batch1_sheets_preview_then_import(admin_client):
    sheets = [(p.name, p.read_bytes()) for p in sorted(BATCH1.glob("a*.xlsx"))]
    response = send(admin_client, *sheets)
    assert response.status_code == 201, response.content
    job = response.json()
    preview = job["report"]["preview"]
    assert job["status"] == "preview"
    assert preview["clips"] == {"total": 2499, "matched": 0, "new": 2499}
    assert [a["id"] for a in preview["annotators"]] == ["a1", "a2", "a3"]
    assert preview["skipped"] == []
    assert preview["labels"] == 3 * 2499
    first = preview["files"][0]
    assert first["detected"] == "emos-xlsx (CH-SIMS v2)"
    assert first["columns"]["basic7"] == "basic-7-class"
    assert first["columns"]["clip"] == "video_id + clip_id"
    assert not Clip.objects.exists() and not Annotation.objects.exists()  # nothing written yet

    confirmed = admin_client.post(f"/api/label-imports/{job['id']}/confirm/")
    assert confirmed.status_code == 202
    done = admin_client.get(f"/api/label-imports/{job['id']}/").json()
    assert done["status"] == "done"
    assert (done["report"]["created"], done["report"]["rejected"]) == (3 * 2499, [])
    assert done["report"]["preview"]["clips"]["total"] == 2499  # the preview stays with it
    assert Annotation.objects.count() == 3 * 2499
    assert admin_client.post(f"/api/label-imports/{job['id']}/confirm/").status_code == 409


def test_a_csv_preview_matches_clips_and_says_what_it_skips(admin_client):
    from annotation.models import Project

    ClipFactory(project=Project.objects.get(slug="p"), external_id="c1")
    csv = (
        b"external_id,annotator,basic7,goemotions\n"
        b"c1,ann,Joy,joy\n"
        b"c2,ann,Joy,joy\n"
        b"c3,ann,Happy,joy\n"
    )
    preview = send(admin_client, ("labels.csv", csv)).json()["report"]["preview"]
    assert preview["clips"] == {"total": 2, "matched": 1, "new": 1}
    assert preview["files"][0]["detected"] == "csv"
    assert preview["files"][0]["columns"]["basic7"] == "basic7"
    assert len(preview["skipped"]) == 1 and "labels.csv:row 4" in preview["skipped"][0]


def test_an_unreadable_file_is_refused_and_nothing_kept(admin_client, media_root):
    response = send(admin_client, ("a1.xlsx", b"not a workbook"))
    assert response.status_code == 400
    assert "a1.xlsx: not a readable .xlsx workbook" in response.json()["error"]["message"]
    assert str(media_root) not in response.json()["error"]["message"]
    assert not ImportJob.objects.exists()
    assert not any((media_root / "uploads" / "labels").glob("*/*"))


def test_one_format_per_import(admin_client):
    response = send(admin_client, ("a.csv", b"x"), ("b.xlsx", b"y"))
    assert response.status_code == 400
    assert "one format per import" in response.json()["error"]["message"]


def test_a_preview_is_not_on_the_dashboard(admin_client):
    send(admin_client, ("labels.csv", b"external_id,annotator,basic7\nc1,ann,Joy\n"))
    assert admin_client.get("/api/projects/p/dashboard/imports/").json()["jobs"] == []


def test_files_gone_since_the_preview_fail_the_job_with_the_reason(admin_client, media_root):
    import shutil

    job = send(admin_client, ("labels.csv", b"external_id,annotator,basic7\nc1,ann,Joy\n")).json()
    shutil.rmtree(media_root / "uploads" / "labels")
    assert admin_client.post(f"/api/label-imports/{job['id']}/confirm/").status_code == 202
    failed = admin_client.get(f"/api/label-imports/{job['id']}/").json()
    assert failed["status"] == "failed"
    assert "labels.csv" in failed["report"]["error"]
    assert not Annotation.objects.exists()


def test_a_confirmed_import_the_broker_never_took_is_done_by_the_sweeper(
    admin_client, monkeypatch, settings
):
    """Was: confirmed with the broker down (or its worker killed), the job stayed "running"
    forever with nothing to send it again."""
    from kombu.exceptions import OperationalError

    from annotation import tasks

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    ClipFactory(project=ProjectFactory._meta.model.objects.get(slug="p"), external_id="c1")
    job = send(admin_client, ("labels.csv", b"external_id,annotator,basic7\nc1,ann,Joy\n")).json()
    with monkeypatch.context() as down:
        down.setattr(tasks.label_upload_import, "delay", refuse)
        assert admin_client.post(f"/api/label-imports/{job['id']}/confirm/").status_code == 202
    assert admin_client.get(f"/api/label-imports/{job['id']}/").json()["status"] == "running"
    assert tasks.work_sweep()["label_imports"] == 0  # just confirmed: not yet stale
    settings.JOB_STALE_SECONDS = 0
    assert tasks.work_sweep()["label_imports"] == 1
    done = admin_client.get(f"/api/label-imports/{job['id']}/").json()
    assert done["status"] == "done", done
    assert Annotation.objects.count() == 1
    assert tasks.work_sweep()["label_imports"] == 0  # nothing left waiting


def test_a_label_import_run_twice_imports_once(admin_client):
    """A redelivered message (or the sweeper's) for a job already done changes nothing."""
    from annotation.services.label_upload import label_upload_import

    ClipFactory(project=ProjectFactory._meta.model.objects.get(slug="p"), external_id="c1")
    job = send(admin_client, ("labels.csv", b"external_id,annotator,basic7\nc1,ann,Joy\n")).json()
    admin_client.post(f"/api/label-imports/{job['id']}/confirm/")
    again = label_upload_import(job_id=job["id"])
    assert again.status == "done" and Annotation.objects.count() == 1


def test_an_emos_film_with_spaces_in_its_name_matches_its_clip(admin_client):
    """Found in review: the upload made the file's name safe by turning its spaces into
    underscores, and the reader names the clip after the film's folder: "A Few Good Men"
    matched no clip (an import would have made a new one, "A_Few_Good_Men")."""
    film = "A Few Good Men"
    project = Project.objects.get(slug="p")
    ClipFactory(project=project, external_id=film, kind="stream", duration_s=3600.0)
    body = (EMOS / "streaming" / film / f"{film}.emotion.json").read_bytes()
    response = send(admin_client, (f"{film}.emotion.json", body))
    assert response.status_code == 201, response.content
    assert response.json()["report"]["preview"]["clips"] == {"total": 1, "matched": 1, "new": 0}


@pytest.mark.parametrize("name", ["...emotion.json", ".emotion.json"])
def test_a_file_name_that_names_no_film_is_refused_and_nothing_is_kept(admin_client, name):
    """ "...emotion.json" names the film "..": refused (400) before a job is made."""
    response = send(admin_client, (name, b"{}"))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "files"
    assert not ImportJob.objects.exists()
