"""Records without media go through COPY and one upsert on PostgreSQL: the same outcome as the
ORM path (reports, upsert semantics, rejections) in a few statements whatever the count."""

import csv
from pathlib import Path

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from annotation.models import AuditEvent
from clips.importers.records import ClipRecord
from clips.models import Clip, ImportJob
from clips.services import RegisterResult, clips_import, clips_register
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 10_000
# DROP + CREATE of the staging table and the upsert; COPY is not a query Django sees.
STATEMENTS = 3


def _manifest(path: Path, ids: range, **extra: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["external_id", "transcript", "speaker", "mood"])
        writer.writeheader()
        for i in ids:
            writer.writerow(
                {
                    "external_id": f"c{i:05d}",
                    "transcript": f"sentence {i}",
                    "speaker": "S1",
                    **extra,
                }
            )
    return path


def _register(project, count: int) -> tuple[RegisterResult, int]:
    with CaptureQueriesContext(connection) as queries:
        result = clips_register(
            project=project,
            records=[ClipRecord(external_id=f"c{i:05d}", transcript=f"t{i}") for i in range(count)],
        )
    return result, len(queries) - 2  # the savepoint pair of the atomic block


def test_ten_thousand_records_import_with_the_report_in_a_few_statements(tmp_path):
    project = ProjectFactory()
    result, statements = _register(project, N)
    assert (result.created, result.updated, result.to_ingest) == (N, 0, [])
    assert statements <= STATEMENTS
    job = clips_import(project=project, paths=[_manifest(tmp_path / "m.csv", range(N, 2 * N))])
    assert job.status == ImportJob.Status.DONE and job.total == N
    assert (job.report["created"], job.report["updated"], job.report["to_ingest"]) == (N, 0, 0)
    assert job.report["problems"] == [] and job.report["already_ingested"] == []
    assert Clip.objects.filter(project=project).count() == 2 * N
    clip = Clip.objects.get(project=project, external_id=f"c{N + 7:05d}")
    # An empty column adds nothing to ``meta``, as on the ORM path.
    assert (clip.transcript, clip.speaker, clip.meta) == (f"sentence {N + 7}", "S1", {})
    assert (clip.kind, clip.language, clip.media_status, clip.stage) == (
        "static", "en", "missing", "layer1",
    )  # fmt: skip
    assert clip.created_at is not None and clip.updated_at is not None
    event = AuditEvent.objects.get(action="clips.imported", target_id=str(job.pk))
    assert event.data == {"created": N, "updated": 0}


def test_reimporting_the_same_records_changes_nothing(tmp_path):
    project = ProjectFactory()
    manifest = _manifest(tmp_path / "m.csv", range(N), mood="calm")
    clips_import(project=project, paths=[manifest])
    before = list(Clip.objects.filter(project=project).order_by("pk").values())

    job = clips_import(project=project, paths=[manifest])

    assert (job.report["created"], job.report["updated"], job.report["to_ingest"]) == (0, N, 0)
    assert list(Clip.objects.filter(project=project).order_by("pk").values()) == before
    assert before[0]["meta"] == {"mood": "calm"}
    result, statements = _register(project, N)
    assert (result.created, result.updated, statements) == (0, N, STATEMENTS)


def test_a_mix_of_new_and_existing_records_updates_and_creates(tmp_path):
    project = ProjectFactory()
    pending = Clip.objects.create(
        project=project, external_id="c00001", title="kept", meta={"a": 1}, source_uri="/x.mp4",
        media_status=Clip.MediaStatus.PENDING, language="zh",
    )  # fmt: skip
    ready = Clip.objects.create(
        project=project, external_id="c00002", speaker="old", media_status="ready", duration_s=1.0
    )

    job = clips_import(project=project, paths=[_manifest(tmp_path / "m.csv", range(5), mood="x")])

    assert (job.report["created"], job.report["updated"]) == (3, 2)
    assert job.report["to_ingest"] == 1  # the pending clip still waits for its media
    pending.refresh_from_db()
    assert (pending.title, pending.language, pending.transcript) == ("kept", "en", "sentence 1")
    assert pending.meta == {"a": 1, "mood": "x"} and pending.source_uri == "/x.mp4"
    ready.refresh_from_db()
    assert (ready.speaker, ready.media_status) == ("S1", "ready")
    assert Clip.objects.filter(project=project).count() == 5
    assert Clip.objects.get(pk=pending.pk).import_job_id == job.pk


def test_malformed_records_are_rejected_as_before(tmp_path):
    project = ProjectFactory()
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "external_id,kind,language\nok,static,zh\nbad,movie,en\nlang,static,fr\n,static,en\n"
        "ok,static,en\n",
        encoding="utf-8",
    )
    job = clips_import(project=project, paths=[manifest])
    assert job.report["created"] == 1 and job.total == 1
    assert job.report["problems"] == [
        f"{manifest}:3: kind 'movie' is not one of static, stream; row skipped",
        f"{manifest}:4: language 'fr' is not one of zh, en; row skipped",
        f"{manifest}:5: neither path nor external_id given; row skipped",
        f"{manifest}:6: external_id 'ok' repeated; row skipped",
    ]
    # What the database refuses it refuses for the same reason, and nothing is written.
    with pytest.raises(DataError, match="value too long"):
        clips_register(project=project, records=[ClipRecord(external_id="x" * 256)])
    assert list(Clip.objects.filter(project=project).values_list("external_id", flat=True)) == [
        "ok"
    ]
