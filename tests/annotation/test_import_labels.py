"""`import_labels` on the real EmoS first-layer files in ../shared/emos."""

import shutil
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from annotation.models import Annotation, GoldLabel
from clips.models import Clip, ImportJob

pytestmark = pytest.mark.django_db(transaction=True)  # routing runs on commit

EMOS = Path(__file__).resolve().parents[3] / "shared" / "emos"
BATCH1 = EMOS / "ch-simsv2" / "first-2500"


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_labels", *map(str, args), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def basic7_votes_read_independently(folder: Path) -> dict[str, list[str]]:
    """Basic-7 votes per clip straight from the sheets, without the platform's parser."""
    votes: dict[str, list[str]] = defaultdict(list)
    for sheet in sorted(folder.glob("*.xlsx")):
        rows = openpyxl.load_workbook(sheet, read_only=True).active.iter_rows(values_only=True)
        header = next(rows)
        vid, cid, label = (header.index(n) for n in ("video_id", "clip_id", "basic-7-class"))
        for row in rows:
            if row[label]:
                votes[f"{row[vid]}/{row[cid]}"].append(
                    str(row[label]).split("/")[0].strip().lower()
                )
    return votes


def test_chsims_batch1_becomes_2499_clips_routed_into_gold_and_disputed():
    output = run(BATCH1, project="chsims", format="emos-xlsx")
    clips = Clip.objects.filter(project__slug="chsims")
    assert clips.count() == 2499
    per_clip = Counter(Annotation.objects.filter(is_current=True).values_list("clip_id", flat=True))
    assert set(per_clip.values()) == {3}
    assert set(clips.values_list("layer1_count", "media_status")) == {(3, "missing")}

    votes = basic7_votes_read_independently(BATCH1)
    unanimous = {cid for cid, v in votes.items() if len(v) == 3 and len(set(v)) == 1}
    gold = set(clips.filter(stage="gold").values_list("external_id", flat=True))
    disputed = set(clips.filter(stage="disputed").values_list("external_id", flat=True))
    assert gold == unanimous
    assert disputed == set(votes) - unanimous
    assert 0 < len(gold) < 2499
    assert set(GoldLabel.objects.values_list("provenance", flat=True)) == {"unanimous"}
    assert f"{len(disputed)} disputed, " in output or f"{len(disputed)} disputed" in output

    # A second import of the same files changes nothing.
    again = run(BATCH1, project="chsims", format="emos-xlsx")
    assert "0 new, 0 revised, 7497 unchanged" in again
    assert Annotation.objects.count() == 7497


def test_meld_goemotions_only_and_a_correction_is_a_revision(tmp_path):
    csq = EMOS / "meld" / "first-3000" / "annotator_csq_train_sent_emo.xlsx"
    run(csq, project="meld", format="emos-xlsx")
    annotation = Annotation.objects.filter(annotator__username="csq@meld").first()
    assert set(annotation.payload) == {"goemotions"}
    clip = annotation.clip
    assert clip.external_id.startswith("dia") and clip.language == "en"
    assert "meld_emotion" in clip.meta

    # The same sheet with one label changed: a new revision, the old one kept.
    book = openpyxl.load_workbook(csq)
    sheet = book.active
    column = [c.value for c in sheet[1]].index("go-emotion") + 1
    sheet.cell(row=2, column=column, value="surprise")
    changed = tmp_path / "first-3000" / csq.name
    changed.parent.mkdir()
    book.save(changed)
    output = run(changed, project="meld", format="emos-xlsx")
    assert "1 revised" in output
    first = Annotation.objects.get(
        annotator__username="csq@meld", clip__external_id="dia0_utt0", revision=1
    )
    second = Annotation.objects.get(
        annotator__username="csq@meld", clip__external_id="dia0_utt0", revision=2
    )
    assert first.is_current is False and second.supersedes == first
    assert second.payload == {"goemotions": ["surprise"]}


def test_streaming_labels_then_media_for_the_same_film(sample_media, media_root, tmp_path):
    film = EMOS / "streaming" / "A Few Good Men"
    run(film, project="films", format="emos-streaming", annotator="emos")
    clip = Clip.objects.get(project__slug="films")
    assert (clip.external_id, clip.kind, clip.language, clip.media_status) == (
        "A Few Good Men", "stream", "en", "missing",
    )  # fmt: skip
    segments = Annotation.objects.get(clip=clip).payload["segments"]
    assert segments[0]["basic7"] == "Anger"  # "Anger/愤怒" in the file
    assert segments[0]["start"] == 0.0 and segments[0]["end"] == 3.0

    media = tmp_path / "streaming" / "A Few Good Men"
    media.mkdir(parents=True)
    shutil.copy(sample_media["playable"], media / "A Few Good Men.mp4")
    call_command(
        "import_clips",
        str(tmp_path / "streaming"),
        project="films",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    clip.refresh_from_db()
    assert clip.media_status == "ready"
    assert Clip.objects.filter(project__slug="films").count() == 1


def test_a_file_that_is_not_a_spreadsheet_is_a_clear_error(tmp_path):
    fake = tmp_path / "a1.xlsx"
    fake.write_text("not a spreadsheet")
    with pytest.raises(CommandError, match=r"a1\.xlsx"):
        run(fake, project="p", format="emos-xlsx")
    assert not Clip.objects.exists()


def test_an_import_that_fails_midway_keeps_nothing_and_says_so(monkeypatch, tmp_path):
    """A crash inside the import left its job "running" forever beside half its labels."""
    import annotation.services.label_import as label_import

    def broken(clip_ids: list[int]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(label_import, "_refresh_counts", broken)
    with pytest.raises(CommandError, match=r"nothing of it was kept.*disk full"):
        run(BATCH1 / "a1.xlsx", project="broken", format="emos-xlsx")
    assert not Annotation.objects.filter(clip__project__slug="broken").exists()
    (job,) = ImportJob.objects.filter(project__slug="broken")
    assert job.status == "failed" and "disk full" in job.report["error"]
