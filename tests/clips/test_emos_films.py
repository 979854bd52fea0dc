"""All 46 EmoS streaming films (../shared/emos/streaming) through the platform: media and
labels in either order give the same clips and segments, and a release gives the films back."""

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from annotation.models import Annotation
from clips.media.synth import synth_clip
from clips.models import Clip, ImportJob
from exports.models import Release
from exports.pipeline import build_release
from exports.selectors import release_data
from factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)  # routing runs on commit

STREAMING = Path(__file__).resolve().parents[3] / "shared" / "emos" / "streaming"
FILMS = sorted(p.parent.name for p in STREAMING.glob("*/*.emotion.json"))


def label(written: str) -> str:
    """A label as the source spells it, compared: "Anger/愤怒" is Anger, "grief 😢" grief."""
    return re.sub(r"[^a-z]", "", written.split("/")[0].casefold())


def source(film: str) -> dict[str, Any]:
    """A film's ``<film>.emotion.json`` read without the platform's parser."""
    text = (STREAMING / film / f"{film}.emotion.json").read_text(encoding="utf-8").strip()
    return json.loads(text.removeprefix("```json").removesuffix("```"))


@pytest.fixture(scope="session")
def film_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each film's folder with a synthetic video of its sentence file's exact duration, named
    as the sentence file's ``clip`` field names it (``Black Ice/黑冰.mp4``). Tiny frames, no
    audio; 100 fps so the duration is exact to the hundredth the sentence file gives."""
    root = tmp_path_factory.mktemp("emos-media") / "streaming"

    def make(film: str) -> None:
        sentences = STREAMING / film / "sentence_level_timestamps.json"
        info = json.loads(sentences.read_text(encoding="utf-8"))
        folder = root / film
        folder.mkdir(parents=True)
        shutil.copy(sentences, folder / sentences.name)
        synth_clip(folder / info["clip"], seconds=info["duration"], size="16x16", rate=100,
                   audio=False)  # fmt: skip

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(make, FILMS))
    return root


def run(command: str, *args: Any, **options: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def import_media(slug: str, media: Path) -> str:
    return run("import_clips", media, project=slug)[1]


def import_labels(slug: str) -> str:
    out, err = run("import_labels", STREAMING, project=slug, format="emos-streaming")
    return out + err


def snapshot(slug: str) -> dict[str, Any]:
    """Everything a clip and its labels are, per film, without ids and times of the run."""
    out = {}
    for clip in Clip.objects.filter(project__slug=slug).prefetch_related("segments"):
        payloads = [a.payload for a in Annotation.objects.filter(clip=clip, is_current=True)]
        described = ("kind", "language", "title", "transcript", "speaker", "source_video",
                     "meta", "duration_s", "media_status", "stage")  # fmt: skip
        out[clip.external_id] = {
            **{name: getattr(clip, name) for name in described},
            "reference": [(s.index, s.start_s, s.end_s, s.text) for s in clip.segments.all()],
            "labels": payloads,
        }
    return out


def test_every_film_imports_whole_in_either_order(film_media: Path, media_root: Path) -> None:
    ProjectFactory(slug="media-first", overlap_k=1)
    ProjectFactory(slug="labels-first", overlap_k=1)
    import_media("media-first", film_media)
    report = import_labels("media-first")
    import_labels("labels-first")
    import_media("labels-first", film_media)
    media_first, labels_first = snapshot("media-first"), snapshot("labels-first")
    assert sorted(media_first) == FILMS  # one clip per film, "Black Ice/黑冰.mp4" included
    assert media_first == labels_first
    film = media_first["Lincoln"]
    assert film["media_status"] == "ready" and film["duration_s"] == 80.34
    # 01:16-01:21 ends 0.66 s past the 80.34 s film: inside the whole second EmoS writes.
    assert film["labels"][0]["segments"][-1]["end"] == 80.34
    assert "Lincoln.emotion.json: utterance 6 (01:16-01:21): end 81s clamped to 80.34s" in report
    assert (
        "Spider-Man 2.emotion.json: utterance 12 (01:12-01:15): end 75s clamped to 72.4s, the "
        "film's duration (2.60s past it, more than the timestamps' rounding)"
    ) in report
    assert sum(len(f["labels"][0]["segments"]) for f in media_first.values()) == 447
    job = ImportJob.objects.filter(project__slug="media-first", kind="labels").get()
    assert job.report["rejected"] == []
    # 22 films end past their exact duration; each is cut at it, and the report says so.
    assert len(job.report["clamped"]) == 22
    # The transcript is the sentence file's, whichever import came last.
    black_ice = media_first["Black Ice"]
    assert black_ice["title"] == "Black Ice" and black_ice["meta"]["emos"]["clip"] == "黑冰.mp4"
    assert black_ice["transcript"].startswith("这上面有我在境外银行的数字账号,")


def test_a_release_gives_every_film_back_as_emos_wrote_it(media_root, tmp_path):
    project = ProjectFactory(slug="films", overlap_k=1)  # EmoS's one annotation is the gold
    import_labels("films")
    assert Clip.objects.filter(project=project, stage="gold").count() == len(FILMS)
    release = Release.objects.create(project=project, major=1, minor=0, patch=0)
    build_release(release_data(release, None), tmp_path / "release", lambda f, m: None)
    emos = tmp_path / "release" / "emos"
    index = [json.loads(line) for line in (emos / "streaming_index.jsonl").read_text().splitlines()]
    folders = {row["clip_id"]: emos / row["folder"] for row in index}
    assert sorted(folders) == FILMS
    for film, folder in folders.items():
        wanted = source(film)
        released = json.loads((folder / f"{folder.name}.emotion.json").read_text())
        assert released["summary"] == wanted["summary"], film
        assert released["overall_emotion_trend"] == wanted["overall_emotion_trend"], film
        assert len(released["utterances"]) == len(wanted["utterances"]), film
        for got, want in zip(released["utterances"], wanted["utterances"], strict=True):
            for key in ("timestamp_range", "transcript_zh", "transcript_en", "intensity",
                        "audio_cues", "visual_cues", "evidence", "speaker_guess"):  # fmt: skip
                if key in want:
                    assert got[key] == want[key], (film, key)
            # Labels come back in the schema's spelling ("Anger/愤怒" for "Anger", GoEmotions
            # in schema order) less the ones that are no GoEmotions label ("determination",
            # reported at import): the same labels.
            assert label(got["emotion_primary"]) == label(want["emotion_primary"])
            assert set(got["emotion_secondary"]) <= {label(s) for s in want["emotion_secondary"]}
        sentences = json.loads((folder / "sentence_level_timestamps.json").read_text())
        wanted_sentences = json.loads(
            (STREAMING / film / "sentence_level_timestamps.json").read_text()
        )
        assert {k: v for k, v in sentences.items() if k != "segments"} == {
            k: v for k, v in wanted_sentences.items() if k != "segments"
        }, film
        # Texts as imported: Dog 13's transcription-tool watermark is no speech and is gone.
        got = [(s["start"], s["end"], s["text"]) for s in sentences["segments"]]
        wanted = [(s["start"], s["end"], s["text"]) for s in wanted_sentences["segments"]]
        assert [g[:2] for g in got] == [w[:2] for w in wanted], film
        assert all(w[2].endswith(g[2]) for g, w in zip(got, wanted, strict=True)), film


def test_media_a_little_shorter_than_the_sentence_file_says(media_root: Path, tmp_path: Path):
    """The parser cuts Lincoln's 01:21 at the sentence file's 80.34 s; media of 80.0 s is
    shorter still, by less than the labels' whole second: the end is its end, and said."""
    film = tmp_path / "streaming" / "Lincoln"
    film.mkdir(parents=True)
    for name in ("Lincoln.emotion.json", "sentence_level_timestamps.json"):
        shutil.copy(STREAMING / "Lincoln" / name, film / name)
    synth_clip(film / "Lincoln.mp4", seconds=80.0, size="16x16", rate=100, audio=False)
    import_media("lincoln", film.parent)
    out, err = run("import_labels", film, project="lincoln", format="emos-streaming")
    assert "0 rejected" in out
    assert (
        "clamped: Lincoln/Lincoln.emotion.json: segments[5].end 80.34s clamped to 80s, the end "
        "of the clip's media (times are in steps of 1s)"
    ) in err
    (annotation,) = Annotation.objects.filter(clip__project__slug="lincoln")
    assert annotation.payload["segments"][-1]["end"] == 80.0
