"""Ingestion on real media encoded by ffmpeg: copy when playable, transcode when not, and a
readable failure for files that are not (whole) media."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from django.utils import timezone

from annotation.models import Project
from clips import services
from clips.media import transcode
from clips.models import Clip
from clips.services import clip_ingest_media

pytestmark = pytest.mark.django_db


def ffprobe_streams(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=True,
    )
    return orjson.loads(out.stdout)


def video_packets_md5(path: Path) -> str:
    """MD5 of the video stream's packets as stored (no decoding): equal only for a copy."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "md5", "-"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().strip()


def top_level_atoms(path: Path) -> list[str]:
    data, atoms, pos = path.read_bytes(), [], 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        atoms.append(data[pos + 4 : pos + 8].decode("latin-1"))
        if size < 8:
            break
        pos += size
    return atoms


def ingest(project: Project, source: Path, external_id: str | None = None) -> Clip:
    clip = Clip.objects.create(
        project=project,
        external_id=external_id or source.stem,
        source_uri=str(source),
        media_status=Clip.MediaStatus.PENDING,
    )
    return clip_ingest_media(clip_id=clip.pk)


@pytest.fixture
def project() -> Project:
    return Project.objects.create(slug="ingest", name="Ingest")


def test_playable_mp4_is_stream_copied(project, sample_media, media_root):
    clip = ingest(project, sample_media["playable"])
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error
    assert clip.transcoded is False
    output = media_root / clip.media_file.name
    assert video_packets_md5(output) == video_packets_md5(sample_media["playable"])
    assert clip.duration_s == pytest.approx(3.0, abs=0.1)
    assert (clip.width, clip.height, clip.has_audio) == (320, 240, True)
    assert clip.content_sha256 == hashlib.sha256(sample_media["playable"].read_bytes()).hexdigest()


@pytest.mark.parametrize("case", ["mpeg2", "mjpeg"])
def test_non_browser_media_is_transcoded_to_h264_aac_faststart(
    case, project, sample_media, media_root
):
    source_codec = ffprobe_streams(sample_media[case])["streams"][0]["codec_name"]
    assert source_codec in {"mpeg2video", "mjpeg"}
    clip = ingest(project, sample_media[case])
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error
    assert clip.transcoded is True
    output = media_root / clip.media_file.name
    probed = ffprobe_streams(output)
    codecs = {s["codec_type"]: s["codec_name"] for s in probed["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert "mp4" in probed["format"]["format_name"]
    assert next(s for s in probed["streams"] if s["codec_type"] == "video")["pix_fmt"] == "yuv420p"
    atoms = top_level_atoms(output)
    assert atoms.index("moov") < atoms.index("mdat"), f"not faststart: {atoms}"


def test_poster_and_waveform_are_written(project, sample_media, media_root):
    clip = ingest(project, sample_media["playable"])
    poster = ffprobe_streams(media_root / clip.poster.name)["streams"][0]
    assert poster["codec_name"] == "mjpeg" and poster["width"] == 320
    peaks = orjson.loads((media_root / clip.waveform.name).read_bytes())
    # 3 s at 50 peaks/s, (min, max) pairs in int8; the test tone is loud, not silence.
    assert peaks["length"] == pytest.approx(150, abs=2)
    assert len(peaks["data"]) == 2 * peaks["length"]
    assert max(peaks["data"]) > 40 and min(peaks["data"]) < -40


def test_audio_less_clip_is_ready_with_an_empty_waveform(project, sample_media, media_root):
    clip = ingest(project, sample_media["silent"])
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error
    assert clip.has_audio is False
    streams = ffprobe_streams(media_root / clip.media_file.name)["streams"]
    assert [s["codec_type"] for s in streams] == ["video"]
    assert orjson.loads((media_root / clip.waveform.name).read_bytes())["length"] == 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("truncated", "not a readable media file"),
        ("truncated_faststart", "truncated or corrupt"),
        ("text", "not a readable media file"),
    ],
)
def test_broken_files_fail_with_a_readable_reason(case, reason, project, sample_media, media_root):
    clip = ingest(project, sample_media[case])
    assert clip.media_status == Clip.MediaStatus.FAILED
    assert reason in clip.media_error
    assert "Traceback" not in clip.media_error
    # Nothing half-written is left where a player would look.
    assert not (media_root / "clips").exists() or not any((media_root / "clips").rglob("*.mp4"))


def test_missing_source_file_fails_cleanly(project, media_root, tmp_path):
    clip = ingest(project, tmp_path / "gone.mp4")
    assert clip.media_status == Clip.MediaStatus.FAILED
    assert "file not found" in clip.media_error


def test_same_content_twice_is_a_duplicate(project, sample_media, media_root, tmp_path):
    copy = tmp_path / "copy.mp4"
    shutil.copy(sample_media["playable"], copy)
    first = ingest(project, sample_media["playable"], "first")
    second = ingest(project, copy, "second")
    assert first.media_status == Clip.MediaStatus.READY
    assert second.media_status == Clip.MediaStatus.DUPLICATE
    assert second.duplicate_of == first
    assert "first" in second.media_error


def test_the_loser_of_two_concurrent_ingests_of_the_same_content_leaves_no_file(
    project, sample_media, media_root, tmp_path, monkeypatch
):
    """Two workers ingest the same content under two clips at once: both find no original,
    both transcode; the content constraint decides, and the loser's video, poster and
    waveform are removed, not left on disk for nobody (issue 12)."""
    copy = tmp_path / "copy.mp4"
    shutil.copy(sample_media["playable"], copy)
    winner = Clip.objects.create(
        project=project, external_id="winner", source_uri=str(sample_media["playable"]),
        media_status=Clip.MediaStatus.PENDING,
    )  # fmt: skip
    probe = services.probe

    def the_other_worker_finishes_first(source: Path):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(services, "probe", probe)
        clip_ingest_media(clip_id=winner.pk)  # past the loser's look for an original
        return probe(source)

    monkeypatch.setattr(services, "probe", the_other_worker_finishes_first)
    loser = ingest(project, copy, "loser")
    winner.refresh_from_db()
    assert winner.media_status == Clip.MediaStatus.READY
    assert (loser.media_status, loser.duplicate_of) == (Clip.MediaStatus.DUPLICATE, winner)
    clips = Path(media_root) / "clips" / str(project.pk)
    assert [p.name for p in clips.iterdir()] == [str(winner.pk)]
    assert not list((Path(media_root) / "tmp").iterdir())


def test_ingest_is_idempotent(project, sample_media, media_root):
    clip = ingest(project, sample_media["playable"])
    before = (clip.ingested_at, clip.media_file.name)
    again = clip_ingest_media(clip_id=clip.pk)
    assert (again.ingested_at, again.media_file.name) == before


def test_ingest_does_not_overwrite_workflow_fields(project, sample_media, media_root, monkeypatch):
    """Labels can land while media is processed: ingestion writes media fields only."""
    clip = Clip.objects.create(
        project=project,
        external_id="x",
        source_uri=str(sample_media["playable"]),
        media_status=Clip.MediaStatus.PENDING,
    )
    real_make_playable = transcode.make_playable

    def labels_land_meanwhile(*args, **kwargs):
        Clip.objects.filter(pk=clip.pk).update(
            layer1_count=2, stage=Clip.Stage.DISPUTED, review_opened_at=timezone.now()
        )
        return real_make_playable(*args, **kwargs)

    monkeypatch.setattr(transcode, "make_playable", labels_land_meanwhile)
    clip = clip_ingest_media(clip_id=clip.pk)
    assert (clip.layer1_count, clip.stage) == (2, Clip.Stage.DISPUTED)
