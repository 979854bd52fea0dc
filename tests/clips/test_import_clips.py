"""The import_clips command: folders, files, CSV manifests, segments, bad input."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotation.models import Project
from annotation.selectors.dashboard import dashboard_imports
from clips.models import Clip, ImportJob
from clips.services import import_job_attach
from clips.tasks import ingest_clip

pytestmark = pytest.mark.django_db

EMOS_STREAMING = Path(__file__).resolve().parents[3] / "shared" / "emos" / "streaming"


def run_import(*args: str, **options) -> str:
    out = StringIO()
    call_command("import_clips", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_folder_import_survives_bad_files_and_creates_the_project(
    sample_media, media_root, tmp_path
):
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("playable", "mpeg2", "silent", "truncated", "text"):
        shutil.copy(sample_media[name], folder / sample_media[name].name)
    (folder / "README.txt").write_text("not media, not picked up")
    output = run_import(str(folder), project="fresh")

    project = Project.objects.get(slug="fresh")
    status = dict(Clip.objects.filter(project=project).values_list("external_id", "media_status"))
    assert status == {
        "playable": "ready",
        "mpeg2": "ready",
        "silent": "ready",
        "truncated": "failed",
        "notes": "failed",
    }
    job = ImportJob.objects.get(project=project)
    assert (job.status, job.total, job.processed, job.failed) == ("done", 5, 5, 2)
    assert {f["clip"] for f in job.report["failures"]} == {"truncated", "notes"}
    assert "3 ready" in output and "2 failed" in output


def test_reimport_does_no_work_twice(sample_media, media_root, tmp_path):
    run_import(str(sample_media["playable"]), project="p")
    clip = Clip.objects.get(external_id="playable")
    output = run_import(str(sample_media["playable"]), project="p")
    assert "1 already ingested; 0 to ingest" in output
    assert Clip.objects.get(pk=clip.pk).ingested_at == clip.ingested_at


def test_reimporting_a_folder_with_a_duplicate_is_safe(sample_media, media_root, tmp_path):
    """Two files with the same content import once ("duplicate: b"); importing the folder
    again reports the same, instead of a crash on the content constraint that rolled back
    the whole run."""
    folder = tmp_path / "twins"
    folder.mkdir()
    shutil.copy(sample_media["playable"], folder / "a.mp4")
    shutil.copy(sample_media["playable"], folder / "b.mp4")
    for _run in range(2):
        run_import(str(folder), project="twins")
        status = dict(
            Clip.objects.filter(project__slug="twins").values_list("external_id", "media_status")
        )
        assert status == {"a": "ready", "b": "duplicate"}
    b = Clip.objects.get(external_id="b")
    assert b.duplicate_of == Clip.objects.get(external_id="a")
    latest = ImportJob.objects.filter(project__slug="twins").latest("pk")
    assert latest.status == "done"


def test_manifest_rows_without_media_make_records_that_media_attaches_to_later(
    sample_media, media_root, tmp_path
):
    manifest = tmp_path / "clips.csv"
    manifest.write_text(
        "external_id,language,kind,transcript,speaker,video_id\n"
        "video_0001/0001,zh,static,你好,A,video_0001\n"
        "video_0001/0002,zh,,再见,A,video_0001\n"
        "bad,fr,static,,,\n"
        ",en,static,,,\n",
        encoding="utf-8",
    )
    err = StringIO()
    call_command("import_clips", str(manifest), project="p", stdout=StringIO(), stderr=err)
    clips = {c.external_id: c for c in Clip.objects.all()}
    assert set(clips) == {"video_0001/0001", "video_0001/0002"}
    first = clips["video_0001/0001"]
    assert (first.media_status, first.language, first.transcript) == ("missing", "zh", "你好")
    assert first.meta == {"video_id": "video_0001"}
    assert "clips.csv:4: language 'fr'" in err.getvalue()
    assert "clips.csv:5: neither path nor external_id" in err.getvalue()

    # Media arrives later, keyed by the same source id.
    media_folder = tmp_path / "media-later" / "video_0001"
    media_folder.mkdir(parents=True)
    shutil.copy(sample_media["playable"], media_folder / "0001.mp4")
    run_import(str(tmp_path / "media-later"), project="p")
    first.refresh_from_db()
    assert first.media_status == "ready"
    assert first.transcript == "你好"  # the folder import kept what the manifest said
    assert Clip.objects.count() == 2


def test_manifest_cells_may_hold_line_breaks_and_line_separators(tmp_path):
    """A quoted CSV cell spans lines (a transcript of several sentences) and may hold U+2028:
    neither splits the row, and a later bad row is reported at the line it starts on."""
    manifest = tmp_path / "clips.csv"
    manifest.write_bytes(
        "external_id,transcript\r\n"
        'a,"first sentence\r\nsecond\u2028third"\r\n'
        'b,"one\u0085two"\r\n'
        ",orphan\r\n".encode()
    )
    err = StringIO()
    call_command("import_clips", str(manifest), project="p", stdout=StringIO(), stderr=err)
    transcripts = dict(Clip.objects.values_list("external_id", "transcript"))
    assert transcripts == {"a": "first sentence\nsecond\u2028third", "b": "one\u0085two"}
    assert "clips.csv:5: neither path nor external_id" in err.getvalue()


def test_manifest_without_usable_columns_is_a_clear_error(tmp_path):
    manifest = tmp_path / "bad.csv"
    manifest.write_text("name;file\nx;y\n")
    with pytest.raises(CommandError, match="needs a 'path' or an 'external_id' column"):
        run_import(str(manifest), project="p")
    assert not Clip.objects.exists()


def test_emos_film_folder_brings_its_sentence_segments(sample_media, media_root, tmp_path):
    film = tmp_path / "streaming" / "A Few Good Men"
    film.mkdir(parents=True)
    shutil.copy(sample_media["playable"], film / "A Few Good Men.mp4")
    real = EMOS_STREAMING / "A Few Good Men" / "sentence_level_timestamps.json"
    shutil.copy(real, film / real.name)
    run_import(str(tmp_path / "streaming"), project="films")

    clip = Clip.objects.get(external_id="A Few Good Men")  # a video named like its folder
    expected = json.loads(real.read_text(encoding="utf-8"))["segments"]
    assert (clip.kind, clip.language) == ("stream", "en")
    segments = list(clip.segments.order_by("index"))
    assert len(segments) == len(expected)
    assert (segments[0].start_s, segments[0].end_s) == (0.0, 2.16)
    assert segments[0].text == "You can't handle the truth!"
    assert clip.transcript.startswith("You can't handle the truth!")


def test_srt_beside_a_video_gives_segments_and_kind_can_be_forced(
    sample_media, media_root, tmp_path
):
    video = tmp_path / "talk.mp4"
    shutil.copy(sample_media["playable"], video)
    video.with_suffix(".srt").write_text(
        "1\n00:00:00,000 --> 00:00:01,200\n我很好。\nI'm fine.\n\n"
        "2\n00:00:01,500 --> 00:00:02,900\n真的。\nReally.\n",
        encoding="utf-8",
    )
    run_import(str(video), project="p", language="zh")
    clip = Clip.objects.get(external_id="talk")
    assert (clip.kind, clip.language, clip.segments.count()) == ("stream", "zh", 2)
    run_import(str(video), project="p", kind="static")
    assert Clip.objects.get(external_id="talk").kind == "static"


def test_missing_ffmpeg_is_a_clear_error_and_keeps_the_records(settings, sample_media, media_root):
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"
    with pytest.raises(CommandError, match=r"ffmpeg not found.*apt-get install ffmpeg"):
        run_import(str(sample_media["playable"]), project="p")
    assert Clip.objects.get(external_id="playable").media_status == "pending"

    settings.FFMPEG_BINARY = "ffmpeg"
    run_import(str(sample_media["playable"]), project="p")
    assert Clip.objects.get(external_id="playable").media_status == "ready"


def test_retry_failed(sample_media, media_root, tmp_path):
    broken = tmp_path / "clip.mp4"
    broken.write_text("not yet")
    run_import(str(broken), project="p")
    assert Clip.objects.get().media_status == "failed"
    shutil.copy(sample_media["playable"], broken)
    run_import(str(tmp_path / "nothing-here.csv"), project="p", retry_failed=True)
    assert Clip.objects.get().media_status == "ready"


def test_invalid_project_slug(tmp_path):
    with pytest.raises(CommandError, match="not a valid project slug"):
        run_import(str(tmp_path), project="Not A Slug")


def test_an_import_is_finished_by_the_worker_that_ingests_its_last_clip(sample_media, media_root):
    """With --no-wait the command returns at once; the dashboard counts the import's clips as
    they are ingested, and the worker ingesting the last one finishes the job (once)."""
    project = Project.objects.create(slug="w", name="W")
    job = ImportJob.objects.create(
        project=project, kind="clips", total=3, report={"already_ingested": ["older"]}
    )
    clips = [
        Clip.objects.create(
            project=project, external_id=name, media_status="pending",
            source_uri=str(sample_media[name]),
        )
        for name in ("playable", "truncated")
    ]  # fmt: skip
    import_job_attach(job=job, clip_ids=[c.pk for c in clips])

    ingest_clip(clips[0].pk)
    job.refresh_from_db()
    assert job.status == "running"
    (live,) = dashboard_imports(project)["jobs"]
    assert (live["processed"], live["failed"], live["summary"]) == (2, 0, "2 of 3 processed")

    ingest_clip(clips[1].pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.failed) == ("done", 3, 1)
    assert job.report["failures"][0]["clip"] == "truncated" and job.finished_at is not None
    finished_at = job.finished_at
    ingest_clip(clips[1].pk)  # delivered again after a lost ack: nothing changes
    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert dashboard_imports(project)["jobs"][0]["summary"] == "2 imported, 1 failed"
