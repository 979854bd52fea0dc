"""The import workflows as services: what the commands, the API and the pages call. Each
returns its ImportJob, whose report carries everything the commands print."""

import shutil
from pathlib import Path

import pytest

from annotation.importers.labels import LabelFileError, label_files
from annotation.models import Annotation, AuditEvent
from annotation.services.label_import import labels_import_files
from clips.models import Clip, ImportJob
from clips.services import clips_import
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV_LABELS = "external_id,annotator,basic7,intensity\nhello,r1,Joy,3\nhello,r2,Anger,2\n"


def test_clips_import_returns_the_finished_job_with_its_counts(sample_media, media_root, tmp_path):
    project, admin = ProjectFactory(), UserFactory()
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("playable", "truncated"):
        shutil.copy(sample_media[name], folder / sample_media[name].name)
    sent: list[tuple[int, int]] = []

    job = clips_import(
        project=project, paths=[folder, tmp_path / "absent"], actor=admin,
        on_sent=lambda n, total: sent.append((n, total)),
    )  # fmt: skip

    assert (job.status, job.total, job.processed, job.failed) == ("done", 2, 2, 1)
    assert job.created_by == admin
    assert (job.report["created"], job.report["updated"], job.report["to_ingest"]) == (2, 0, 2)
    assert any("absent: no such file or folder" in p for p in job.report["problems"])
    assert sent == [(1, 2), (2, 2)]
    assert AuditEvent.objects.get(action="clips.imported").actor == admin

    again = clips_import(project=project, paths=[folder / "playable.mp4"])
    assert again.report["already_ingested"] == ["playable"] and again.status == "done"


def test_clips_import_without_ffmpeg_returns_a_failed_job_and_keeps_the_records(
    settings, sample_media, media_root
):
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"
    job = clips_import(project=ProjectFactory(), paths=[sample_media["playable"]])
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "ffmpeg not found" in job.report["error"]
    assert "1 clip records are kept" in job.report["error"]
    assert Clip.objects.get(external_id="playable").media_status == "pending"


def test_labels_import_files_returns_the_job_with_what_reading_said(tmp_path):
    project, admin = ProjectFactory(), UserFactory()
    (tmp_path / "labels.csv").write_text(CSV_LABELS + "hello,r3,NotAnEmotion,1\n")

    job = labels_import_files(
        project=project, files=label_files([tmp_path], "csv"), fmt="csv", actor=admin
    )

    assert (job.kind, job.status, job.total, job.created_by) == ("labels", "done", 2, admin)
    assert job.report["files"] == [str(tmp_path / "labels.csv")]
    assert job.report["annotators"] == ["r1", "r2"] and job.report["created"] == 2
    assert len(job.report["skipped"]) == 1 and "NotAnEmotion" in job.report["skipped"][0]
    assert Annotation.objects.filter(clip__project=project).count() == 2
    assert AuditEvent.objects.get(action="labels.imported").actor == admin


def test_label_files_names_a_folder_without_files_of_the_format(tmp_path: Path):
    with pytest.raises(LabelFileError, match=r"no \*\.xlsx files"):
        label_files([tmp_path], "emos-xlsx")
