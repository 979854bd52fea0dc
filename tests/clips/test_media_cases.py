"""The media cases of speech-emotion corpora and phones: audio-only clips in every common
format, Ogg video, portrait video stored rotated, a cut-off MP4, and a folder import that
says what it left out."""

import shutil
from pathlib import Path

import orjson
import pytest
from test_ingest import ffprobe_streams, ingest, top_level_atoms

from annotation.models import Project
from annotation.serializers import ClipSerializer
from clips.importers.manifest import collect
from clips.media.synth import synth_clip
from clips.models import Clip

pytestmark = pytest.mark.django_db
AUDIO = ("wav", "mp3", "ogg", "opus", "m4a")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A speech corpus's folder: one audio clip per format, an Ogg video, and files that are
    not clips."""
    folder = tmp_path_factory.mktemp("corpus")
    for fmt in AUDIO:
        synth_clip(folder / f"speaker1_{fmt}.{fmt}", seconds=2, fmt=fmt, video=False)
    synth_clip(folder / "film.ogv", seconds=2, fmt="ogv")
    (folder / "notes.txt").write_text("recorded in 2019")
    (folder / "orphan.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    return folder


@pytest.fixture
def project() -> Project:
    return Project.objects.create(slug="speech", name="Speech")


@pytest.mark.parametrize("fmt", AUDIO)
def test_audio_only_clip_is_ingested_as_aac_with_a_waveform_and_no_poster(
    fmt, corpus, project, media_root
):
    clip = ingest(project, corpus / f"speaker1_{fmt}.{fmt}")
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error
    assert (clip.has_audio, clip.width, clip.height, clip.fps) == (True, None, None, None)
    assert clip.duration_s == pytest.approx(2.0, abs=0.1)
    assert not clip.poster
    output = media_root / clip.media_file.name
    assert output.suffix == ".m4a"
    probed = ffprobe_streams(output)
    assert [(s["codec_type"], s["codec_name"]) for s in probed["streams"]] == [("audio", "aac")]
    assert clip.transcoded is (fmt != "m4a")  # AAC in MP4 already: copied
    atoms = top_level_atoms(output)
    assert atoms.index("moov") < atoms.index("mdat"), f"not faststart: {atoms}"
    peaks = orjson.loads((media_root / clip.waveform.name).read_bytes())
    assert peaks["length"] > 90 and max(peaks["data"]) > 40
    assert ClipSerializer(clip).data["has_video"] is False


def test_ogg_video_is_transcoded(corpus, project, media_root):
    clip = ingest(project, corpus / "film.ogv")
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error
    assert (clip.transcoded, clip.width, clip.height) == (True, 320, 240)
    assert clip.poster
    assert ClipSerializer(clip).data["has_video"] is True


@pytest.mark.parametrize("container", ["mp4", "mov"])
def test_rotated_video_keeps_its_display_dimensions(container, project, media_root, tmp_path):
    """A phone's portrait video: 640×360 pixels stored, turned 90° on display."""
    source = synth_clip(
        tmp_path / f"portrait.{container}", seconds=1, fmt=container, size="640x360", rotation=90
    )
    clip = ingest(project, source)
    assert clip.media_status == Clip.MediaStatus.READY, clip.media_error
    assert (clip.width, clip.height) == (360, 640)
    assert (clip.probe["source"]["width"], clip.probe["source"]["height"]) == (360, 640)


def test_truncated_mp4_keeps_ffprobes_reason(sample_media, project, media_root):
    clip = ingest(project, sample_media["truncated"])
    assert clip.media_status == Clip.MediaStatus.FAILED
    assert "moov atom not found" in clip.media_error
    assert "Invalid data found when processing input" in clip.media_error


def test_folder_of_audio_clips_is_imported_and_every_skipped_file_is_listed(corpus, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(corpus, folder)
    collected = collect([folder], kind=None, language=None)
    assert sorted(r.external_id for r in collected.records) == sorted(
        [*(f"speaker1_{fmt}" for fmt in AUDIO), "film"]
    )
    assert collected.problems == [
        f"{folder / 'notes.txt'}: not imported, .txt is not a media file",
        f"{folder / 'orphan.srt'}: not imported, segments without a media file they belong to",
    ]


def test_a_subtitle_beside_its_audio_is_read_not_reported(corpus, tmp_path):
    folder = tmp_path / "pair"
    folder.mkdir()
    shutil.copy(corpus / "speaker1_wav.wav", folder / "talk.wav")
    shutil.copy(corpus / "orphan.srt", folder / "talk.srt")
    collected = collect([folder], kind=None, language=None)
    (record,) = collected.records
    assert (record.kind, len(record.segments or [])) == ("stream", 1)
    assert collected.problems == []
