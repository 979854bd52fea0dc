"""Label-file parsers: every real EmoS annotation file, plus small synthetic files for the
error paths. The real files live next to the repo (../shared/emos/README.md); if they are
missing these tests fail rather than skip."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from annotation.importers.labels import (
    UNSURE,
    LabelFileError,
    LabelRecord,
    ParseResult,
    Vocabulary,
    read_emos_streaming,
    read_emos_xlsx,
    read_labels_csv,
)
from annotation.payloads import validate_payload
from annotation.schema import default_label_schema
from clips.importers.records import ClipRecord

EMOS = Path(__file__).resolve().parents[3] / "shared" / "emos"
SCHEMA = default_label_schema()
VOCAB = Vocabulary.from_schema(SCHEMA)
CHSIMS_1 = ["first-2500/a1.xlsx", "first-2500/a2.xlsx", "first-2500/a3.xlsx"]
CHSIMS_2 = ["last-2500/cp.xlsx", "last-2500/ljx.xlsx", "last-2500/wqf.xlsx"]
MELD_1 = [f"first-3000/annotator_{a}_train_sent_emo.xlsx" for a in ("csq", "lyx", "rff")]
MELD_2 = ["last-2000/a10.xlsx", "last-2000/a11.xlsx", "last-2000/a12.xlsx"]
EMOTION_FILES = sorted((EMOS / "streaming").glob("*/*.emotion.json"))


@cache
def chsims(name: str) -> ParseResult:
    return read_emos_xlsx(EMOS / "ch-simsv2" / name, VOCAB)


@cache
def meld(name: str) -> ParseResult:
    return read_emos_xlsx(EMOS / "meld" / name, VOCAB)


@cache
def streaming(path: Path) -> ParseResult:
    return read_emos_streaming(path, VOCAB, annotator="emos")


@cache
def chsims_ids() -> list[str]:
    with (EMOS / "ch-simsv2" / "meta.csv").open(encoding="utf-8-sig", newline="") as f:
        return [f"{row['video_id']}/{row['clip_id']}" for row in csv.DictReader(f)]


def ids(result: ParseResult) -> list[str]:
    return [r.clip.external_id for r in result.records]


def by_id(result: ParseResult) -> dict[str, LabelRecord]:
    return {r.clip.external_id: r for r in result.records}


def raw_cell(path: Path, row: int, header: str | None) -> object:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows[row - 1][rows[0].index(header)]


def assert_platform_accepts(result: ParseResult) -> None:
    # The platform's own validation (partial: the sheets lack intensity) must take every payload
    # unchanged, which also proves multi-labels come out in its canonical (schema) order.
    for record in result.records:
        valid = validate_payload(
            SCHEMA, record.payload, kind=record.clip.kind, duration_s=None, complete=False
        )
        assert valid == record.payload, record.source_ref


def test_real_emos_data_is_present() -> None:
    assert (EMOS / "README.md").is_file(), f"EmoS data missing at {EMOS}"


# --- vocabulary -----------------------------------------------------------------------------------


def test_vocabulary_case_chinese_bilingual_and_unknown() -> None:
    assert VOCAB.single_value("basic7", "joy") == "Joy"
    assert VOCAB.single_value("basic7", "  ANGER ") == "Anger"
    assert VOCAB.single_value("basic7", "愤怒") == "Anger"
    assert VOCAB.single_value("basic7", "Anger/愤怒") == "Anger"
    # The streaming files write 自然 for Neutral (the schema says 中性): the English half decides.
    assert VOCAB.single_value("basic7", "Neutral/自然") == "Neutral"
    assert VOCAB.single_value("basic7", "Anger/喜悦") is None  # two different labels
    assert VOCAB.single_value("basic7", "unsure") == UNSURE
    assert VOCAB.single_value("basic7", "不确定") == UNSURE
    assert VOCAB.single_value("basic7", "Happiness") is None
    assert VOCAB.single_value("basic7", "") is None
    assert VOCAB.single_value("no-such-layer", "Joy") is None
    assert VOCAB.single_value("goemotions", "joy") is None  # a multi layer
    assert VOCAB.intensity_range() == (1, 5)


def test_vocabulary_multi_values_order_dedup_unknown() -> None:
    assert VOCAB.multi_values("goemotions", "pride;joy") == (["joy", "pride"], [])
    assert VOCAB.multi_values("goemotions", "joy;pride") == (["joy", "pride"], [])
    assert VOCAB.multi_values("goemotions", "Joy; joy;悲伤;amusement;") == (
        ["amusement", "joy", "sadness"],
        [],
    )
    assert VOCAB.multi_values("goemotions", ["anger 😡", "determination", "Anger", "awe"]) == (
        ["anger"],
        ["determination", "awe"],
    )
    assert VOCAB.multi_values("goemotions", "UNSURE") == ([UNSURE], [])
    assert VOCAB.multi_values("goemotions", "sadenss") == ([], ["sadenss"])
    assert VOCAB.multi_values("nope", "joy") == ([], ["joy"])


def test_vocabulary_from_an_edited_schema() -> None:
    schema = {
        "layers": [
            {
                "name": "mood",
                "type": "single",
                "labels": [
                    {"value": "up", "en": "Up", "zh": "好"},
                    {"value": "down", "en": "Down", "zh": "好"},  # shared zh name: ambiguous
                ],
            },
            {"name": "level", "type": "ordinal", "min": 0, "max": 3},
        ]
    }
    vocab = Vocabulary.from_schema(schema)
    assert vocab.single_value("mood", "UP") == "up"
    assert vocab.single_value("mood", "好") is None
    assert vocab.single_value("mood", "unsure") is None  # allow_unsure not set
    assert vocab.multi == {}
    assert vocab.intensity_range("level") == (0, 3)


# --- CH-SIMS v2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHSIMS_1)
def test_chsims_batch_1_labels_rows_0_to_2498(name: str) -> None:
    result = chsims(name)
    assert len(result.records) == 2499
    assert result.unlabelled == 4403 - 2499
    assert result.skipped == []
    assert ids(result) == chsims_ids()[:2499]
    annotator = Path(name).stem
    for record in result.records:
        assert record.annotator == annotator
        assert record.clip.batch == "first-2500"
        assert (record.clip.kind, record.clip.language, record.clip.source) == (
            "static",
            "zh",
            None,
        )
        assert set(record.payload) == {"basic7", "goemotions"}
    assert_platform_accepts(result)


def test_chsims_spot_checks() -> None:
    path = EMOS / "ch-simsv2" / "first-2500" / "a1.xlsx"
    assert raw_cell(path, 2, "goemotion") == "disgust;disapproval"
    assert raw_cell(path, 2, "basic-7-class") == "Disgust"
    assert chsims("first-2500/a1.xlsx").records[0] == LabelRecord(
        clip=ClipRecord(
            external_id="video_0001/0001",
            kind="static",
            language="zh",
            transcript="我不想嫁给李茶",
            source_video="video_0001",
            batch="first-2500",
            meta={
                "video_id": "video_0001",
                "clip_id": "0001",
                "mode": "train",
                "label": -1.0,
                "label_T": -1.0,
                "label_A": -1.0,
                "label_V": -1.0,
                "annotation": "Negative",
            },
        ),
        annotator="a1",
        payload={"basic7": "Disgust", "goemotions": ["disapproval", "disgust"]},
        source_ref="first-2500/a1.xlsx:row 2",
    )
    # "unsure" in the goemotion cell, row 17.
    assert raw_cell(path, 17, "goemotion") == "unsure"
    unsure = by_id(chsims("first-2500/a1.xlsx"))["video_0001/0016"]
    assert unsure.payload == {"basic7": "Sadness", "goemotions": [UNSURE]}
    assert unsure.source_ref == "first-2500/a1.xlsx:row 17"
    # Clip ids stay text with their padding; test15's run to five digits.
    assert by_id(chsims("last-2500/cp.xlsx"))["test15/00020"].payload == {
        "basic7": "Neutral",
        "goemotions": ["neutral"],
    }
    # a2 has a trailing space in one transcript; stripped, all three annotators agree on it.
    texts = [by_id(chsims(n))["video_0001/0001"].clip.transcript for n in CHSIMS_1]
    assert len(set(texts)) == 1
    a1, a2 = by_id(chsims(CHSIMS_1[0])), by_id(chsims(CHSIMS_1[1]))
    assert all(a1[i].clip.transcript == a2[i].clip.transcript for i in a1)


def test_chsims_batch_2_labels_the_later_rows() -> None:
    everyone = chsims_ids()
    cp, ljx, wqf = (chsims(n) for n in CHSIMS_2)
    assert (len(cp.records), cp.unlabelled, cp.skipped) == (1904, 2499, [])
    assert (len(wqf.records), wqf.unlabelled, wqf.skipped) == (1904, 2499, [])
    assert (len(ljx.records), ljx.unlabelled, ljx.skipped) == (1905, 2498, [])
    assert ids(cp) == ids(wqf) == everyone[2499:]
    # ljx also labelled row 2498, the last row of batch 1: the one id both batches hold.
    assert ids(ljx) == everyone[2498:]
    batch_1 = set(ids(chsims(CHSIMS_1[0])))
    assert batch_1 & set(ids(cp)) == batch_1 & set(ids(wqf)) == set()
    assert batch_1 & set(ids(ljx)) == {"aqgy3_0003/00019"}
    assert batch_1 | set(ids(cp)) == set(everyone)
    # wqf's label columns are named "goemotion-wqf" / "7-emotion-wqf".
    assert all(set(r.payload) == {"basic7", "goemotions"} for r in wqf.records)
    assert {r.clip.batch for n in CHSIMS_2 for r in chsims(n).records} == {"last-2500"}
    for name in CHSIMS_2:
        assert_platform_accepts(chsims(name))


# --- MELD -----------------------------------------------------------------------------------------

MELD_COUNTS = {  # records, unlabelled, skipped lines: verified against the sheets
    "first-3000/annotator_csq_train_sent_emo.xlsx": (2998, 2000, 5),
    "first-3000/annotator_lyx_train_sent_emo.xlsx": (3000, 2000, 2),
    "first-3000/annotator_rff_train_sent_emo.xlsx": (2994, 2001, 37),
    "last-2000/a10.xlsx": (1995, 3, 13),
    "last-2000/a11.xlsx": (2000, 0, 1),
    "last-2000/a12.xlsx": (2000, 0, 1),
}


@pytest.mark.parametrize("name", MELD_1 + MELD_2)
def test_meld_counts(name: str) -> None:
    result = meld(name)
    assert (len(result.records), result.unlabelled, len(result.skipped)) == MELD_COUNTS[name]
    # "annotator_csq_train_sent_emo.xlsx" -> "csq"; "a10.xlsx" -> "a10"
    annotator = Path(name).stem.split("_")[1] if name in MELD_1 else Path(name).stem
    assert {r.annotator for r in result.records} == {annotator}
    assert all(set(r.payload) == {"goemotions"} for r in result.records)
    assert all((r.clip.kind, r.clip.language) == ("static", "en") for r in result.records)
    assert_platform_accepts(result)


def test_meld_batch_1_normalises_order_and_keeps_meld_labels() -> None:
    folder = EMOS / "meld"
    csq, lyx, rff = (by_id(meld(n)) for n in MELD_1)
    assert raw_cell(folder / MELD_1[0], 3, "go-emotion") == "pride;joy"
    assert raw_cell(folder / MELD_1[2], 3, "go-emotion") == "joy;pride"
    assert csq["dia0_utt2"].payload == rff["dia0_utt2"].payload == {"goemotions": ["joy", "pride"]}
    assert lyx["dia0_utt2"].payload == {"goemotions": ["approval"]}
    first = csq["dia0_utt0"]
    assert first.clip == ClipRecord(
        external_id="dia0_utt0",
        kind="static",
        language="en",
        # The mangled apostrophe is kept: the original cannot be known.
        transcript="also I was the point person on my company?s transition from the KL-5 to "
        "GR-6 system.",
        speaker="Chandler",
        source_video="dia0",
        batch="first-3000",
        meta={
            "dialogue_id": 0,
            "utterance_id": 0,
            "meld_emotion": "neutral",
            "sentiment": "neutral",
            "season": 8,
            "episode": 21,
            "sr_no": 1,
            "start": "00:16:16,059",
            "end": "00:16:21,731",
        },
    )
    assert first.source_ref == "first-3000/annotator_csq_train_sent_emo.xlsx:row 2"
    # MELD's own Emotion is the same in every file, whatever the annotator chose.
    assert all(
        rff[i].clip.meta["meld_emotion"] == csq[i].clip.meta["meld_emotion"]
        for i in rff.keys() & csq.keys()
    )
    assert max(int(r.source_ref.rsplit(" ", 1)[1]) for r in meld(MELD_1[0]).records) == 3001
    # Typos are dropped and reported; a row with nothing else left goes.
    skipped = meld(MELD_1[0]).skipped
    ref = "first-3000/annotator_csq_train_sent_emo.xlsx:row 2159"
    assert f"{ref}: goemotions: unknown label(s) 'sadenss' dropped" in skipped
    assert f"{ref}: skipped: no valid label left" in skipped
    assert ref not in {r.source_ref for r in meld(MELD_1[0]).records}


def test_meld_batch_2_reads_only_its_own_slice() -> None:
    # The last-2000 sheets repeat (lightly corrected) batch-1 labels in rows 2-3001: a10 those
    # of rff, a11 of csq, a12 of lyx. They are not the batch-2 annotators' work.
    batch_1 = {i for n in MELD_1 for i in ids(meld(n))}
    for name in MELD_2:
        result = meld(name)
        assert result.skipped[-1] == (
            f"{name}: rows 2–3001: 3000 labelled row(s) ignored: outside this batch's slice "
            "(rows 3002–5001); they belong to another batch"
        )
        assert set(ids(result)).isdisjoint(batch_1)
        assert {r.clip.batch for r in result.records} == {"last-2000"}
    assert set(ids(meld(MELD_2[1]))) == set(ids(meld(MELD_2[2])))
    # Passing rows explicitly reads everything: a11's rows 2-3001 are csq's labels.
    everything = read_emos_xlsx(EMOS / "meld" / MELD_2[1], VOCAB, rows=range(0, sys.maxsize))
    assert (len(everything.records), everything.unlabelled) == (4999, 0)


def test_meld_a10_chinese_column_lands_in_meta() -> None:
    a10 = meld(MELD_2[0])
    # The nameless third column holds a Chinese translation.
    assert (
        raw_cell(EMOS / "meld" / MELD_2[0], 5001, None)
        == "那真是个好笑话。有一会儿，我就像说，哇哦。"
    )
    assert all(r.clip.meta.get("text_zh") for r in a10.records)
    last = by_id(a10)["dia1038_utt17"]
    assert last.clip.meta["text_zh"] == "那真是个好笑话。有一会儿，我就像说，哇哦。"
    assert last.clip.transcript == 'That was a good one. For a second there, I was like, "whoa."'
    assert last.payload == {"goemotions": ["amusement", "joy"]}
    assert last.source_ref == "last-2000/a10.xlsx:row 5001"
    assert not any("text_zh" in r.clip.meta for r in meld(MELD_2[1]).records)


# --- streaming ------------------------------------------------------------------------------------


def test_all_46_emotion_files_are_found() -> None:
    assert len(EMOTION_FILES) == 46


@pytest.mark.parametrize("path", EMOTION_FILES, ids=[p.parent.name for p in EMOTION_FILES])
def test_real_emotion_file(path: Path) -> None:
    result = streaming(path)
    sentences = json.loads((path.parent / "sentence_level_timestamps.json").read_text("utf-8"))
    (record,) = result.records
    assert record.annotator == "emos"
    assert record.source_ref == f"{path.parent.name}/{path.name}"
    clip = record.clip
    assert (clip.external_id, clip.title, clip.kind) == (
        path.parent.name,
        path.parent.name,
        "stream",
    )
    assert clip.language == sentences["lang"]
    assert clip.segments is not None and len(clip.segments) == len(sentences["segments"])
    assert set(clip.meta) - {"clamped_ends"} == {"summary", "overall_emotion_trend", "emos"}
    # The sentence file's own fields, for the release to write back.
    assert clip.meta["emos"] == {k: v for k, v in sentences.items() if k != "segments"}
    assert clip.source_video == sentences["source_rel"]
    segments = record.payload["segments"]
    assert all(
        s["basic7"] in {"Anger", "Joy", "Sadness", "Fear", "Disgust", "Surprise", "Neutral"}
        for s in segments
    )
    assert all(s["transcript"] == s[f"transcript_{clip.language}"] for s in segments)
    assert_platform_accepts(result)  # time order, no overlaps, known labels and keys


def test_streaming_totals_and_reports() -> None:
    utterances = 0
    segments = 0
    dropped_segments = 0
    skipped: list[str] = []
    for path in EMOTION_FILES:
        text = path.read_text("utf-8").strip().removeprefix("```json").removesuffix("```")
        utterances += len(json.loads(text)["utterances"])
        result = streaming(path)
        assert result.unlabelled == 0
        segments += sum(len(r.payload["segments"]) for r in result.records)
        dropped_segments += sum(": skipped:" in s for s in result.skipped)
        skipped += result.skipped
    assert utterances == 447
    assert segments == utterances - dropped_segments == 447
    # "determination" is not a GoEmotions label: each of its 18 uses is reported.
    assert sum("'determination'" in s for s in skipped) == 18
    assert (
        "Any Given Sunday/Any Given Sunday.emotion.json: utterance 5 (00:33-00:47): goemotions: "
        "unknown label(s) 'determination' dropped"
    ) in skipped
    assert (
        "Lincoln/Lincoln.emotion.json: utterance 5 (00:56-01:15): field(s) note not imported"
        in (skipped)
    )
    languages = [streaming(p).records[0].clip.language for p in EMOTION_FILES]
    assert (languages.count("en"), languages.count("zh")) == (39, 7)


def test_streaming_spot_checks() -> None:
    folder = EMOS / "streaming"
    hamlet = streaming(folder / "Hamlet" / "Hamlet.emotion.json").records[0]
    assert hamlet.clip.speaker == "Hamlet"
    assert hamlet.payload["segments"][0] == {
        "start": 0.0,
        "end": 15.0,
        "basic7": "Sadness",
        "goemotions": ["confusion", "curiosity", "grief"],
        "intensity": 3,
        "speaker": "Hamlet",
        "audio_cues": "声音低沉，语速缓慢，带有呼吸声，表现出内心的沉重。",
        "visual_cues": "特写镜头，眼神凝视虚空，眉头微蹙，面部肌肉紧绷。",
        "evidence": "哈姆雷特在提出核心哲学问题时，语气中充满了存在主义的痛苦，"
        "眼神迷离，显示出内心的挣扎。",
        "transcript": "To be or not to be, that is the question.",
        "transcript_en": "To be or not to be, that is the question.",
        "transcript_zh": "生存还是毁灭，这是一个问题。",
    }
    # Bilingual primaries ("Anger/愤怒", "Neutral/自然") and emoji-tagged secondaries.
    few_good_men = streaming(folder / "A Few Good Men" / "A Few Good Men.emotion.json")
    assert few_good_men.records[0].payload["segments"][0]["basic7"] == "Anger"
    breaking_bad = streaming(folder / "Breaking Bad" / "Breaking Bad.emotion.json")
    assert breaking_bad.records[0].payload["segments"][0]["basic7"] == "Neutral"
    macbeth = streaming(folder / "Macbeth" / "Macbeth.emotion.json").records[0]
    assert macbeth.payload["segments"][0]["goemotions"] == ["grief", "realization"]
    # Six Good Morning, Vietnam utterances have no speaker_guess.
    vietnam = streaming(folder / "Good Morning, Vietnam" / "Good Morning, Vietnam.emotion.json")
    assert sum("speaker" not in s for s in vietnam.records[0].payload["segments"]) == 6
    # A Chinese film: transcript in Chinese, the folder can be passed instead of the file.
    dog = read_emos_streaming(folder / "Dog 13", VOCAB, annotator="x").records[0]
    assert dog.clip.language == "zh"
    assert dog.payload["segments"][0]["transcript"] == "你知道人总是这样的"


def _write_emotion(folder: Path, utterances: list[object], *, lang: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{folder.name}.emotion.json"
    body = json.dumps({"summary": "s", "utterances": utterances}, ensure_ascii=False, indent=2)
    path.write_text(f"```json\n{body}\n```\n", encoding="utf-8")
    if lang is not None:
        sentences = {"lang": lang, "segments": [{"start": 0.0, "end": 1.0, "text": "hi"}]}
        (folder / "sentence_level_timestamps.json").write_text(json.dumps(sentences), "utf-8")
    return path


def test_streaming_timestamps_order_and_bad_segments(tmp_path: Path) -> None:
    def utt(span: object, primary: object = "Joy", **extra: object) -> dict[str, object]:
        return {"timestamp_range": span, "emotion_primary": primary, **extra}

    path = _write_emotion(
        tmp_path / "Film",
        [
            utt("1:00:05-1:00:09.5", "sadness/伤心", emotion_secondary=["grief"], intensity=4),
            utt("00:00-00:04", "Joy", transcript_en="hi", transcript_zh="你好"),
            utt("00:04-00:06", "Joy", intensity=9),
            utt("00:05-00:07", "Fear"),  # overlaps the one before
            utt("00:10-00:10", "Joy"),
            utt("10-20", "Joy"),
            utt("00:20-00:30", "Happy", emotion_secondary=["determination"]),
            utt("00:30-00:40", "Happy", emotion_secondary=["joy", "awe"]),
            utt("00:40-00:50", "", emotion_secondary=[]),
            "not an object",
        ],
        lang="en",
    )
    result = read_emos_streaming(path, VOCAB, annotator="ann")
    where = "Film/Film.emotion.json: utterance"
    assert result.unlabelled == 1
    assert result.skipped == [
        f"{where} 3 (00:04-00:06): intensity: 9 is not a whole number 1–5; dropped",
        f"{where} 5 (00:10-00:10): skipped: end is not after start",
        f"{where} 6 (10-20): skipped: bad timestamp_range '10-20'",
        f"{where} 7 (00:20-00:30): basic7: unknown label 'Happy' dropped",
        f"{where} 7 (00:20-00:30): goemotions: unknown label(s) 'determination' dropped",
        f"{where} 7 (00:20-00:30): skipped: no valid label left",
        f"{where} 8 (00:30-00:40): basic7: unknown label 'Happy' dropped",
        f"{where} 8 (00:30-00:40): goemotions: unknown label(s) 'awe' dropped",
        f"{where} 10: skipped: not an object",
        "Film/Film.emotion.json: segment 5–7s skipped: overlaps 4–6s",
    ]
    (record,) = result.records
    assert record.clip.language == "en"
    assert record.clip.meta == {"summary": "s", "emos": {"lang": "en"}}
    assert record.payload == {
        "segments": [
            {
                "start": 0.0,
                "end": 4.0,
                "basic7": "Joy",
                "transcript_en": "hi",
                "transcript_zh": "你好",
                "transcript": "hi",
            },
            {"start": 4.0, "end": 6.0, "basic7": "Joy"},
            {"start": 30.0, "end": 40.0, "goemotions": ["joy"]},
            {
                "start": 3605.0,
                "end": 3609.5,
                "basic7": "Sadness",
                "goemotions": ["grief"],
                "intensity": 4,
            },
        ]
    }


def test_streaming_language_guess_without_sentence_file(tmp_path: Path) -> None:
    path = _write_emotion(
        tmp_path / "Zh",
        [{"timestamp_range": "00:00-00:01", "emotion_primary": "Joy", "transcript_zh": "好"}],
    )
    record = read_emos_streaming(path, VOCAB, annotator="a").records[0]
    assert (record.clip.language, record.clip.segments) == ("zh", None)
    assert record.payload["segments"][0]["transcript"] == "好"


def test_streaming_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "Broken" / "Broken.emotion.json"
    broken.parent.mkdir()
    broken.write_text('```json\n{\n  "utterances": [\n    {"a": 1,}\n  ]\n}\n```\n', "utf-8")
    with pytest.raises(LabelFileError, match=r"Broken/Broken.emotion.json: line 4 column 13"):
        read_emos_streaming(broken, VOCAB, annotator="a")
    shape = tmp_path / "Shape" / "Shape.emotion.json"
    shape.parent.mkdir()
    shape.write_text('{"utterances": {}}', "utf-8")
    with pytest.raises(LabelFileError, match="'utterances' list"):
        read_emos_streaming(shape, VOCAB, annotator="a")
    with pytest.raises(LabelFileError, match="cannot read file"):
        read_emos_streaming(tmp_path / "Missing" / "Missing.emotion.json", VOCAB, annotator="a")
    nothing = _write_emotion(tmp_path / "Empty", [{"timestamp_range": "00:00-00:01"}])
    result = read_emos_streaming(nothing, VOCAB, annotator="a")
    assert (result.records, result.unlabelled) == ([], 1)
    assert result.skipped == ["Empty/Empty.emotion.json: no labelled utterance; nothing imported"]


# --- synthetic spreadsheets -----------------------------------------------------------------------


def _write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


CHSIMS_HEADER = ["video_id", "clip_id", "text", "label", "mode", "goemotion", "basic-7-class"]


def test_xlsx_rows_with_bad_values(tmp_path: Path) -> None:
    path = _write_xlsx(
        tmp_path / "b" / "x1.xlsx",
        [
            CHSIMS_HEADER,
            ["v1", "0001", " 你好 ", 0.5, "train", "joy;UNSURE", "JOY"],
            ["v1", "0002", "t", 0, "train", "joyy", "Happy"],
            ["v1", 3, "t", 0, "train", "joy", "Joy"],
            ["v1", "0004", "t", 0, "test", None, None],
            ["v1", "0005", "t", 0, "test", "unsure", "Unsure"],
            ["v1", "0001", "t", 0, "train", "anger", "Anger"],
            ["v1", "0006", "t", 0, "train", "joyy;pride", "Happy"],
            [None, None, None, None, None, None, None],
        ],
    )
    result = read_emos_xlsx(path, VOCAB, batch="pilot")
    assert result.unlabelled == 1
    assert result.skipped == [
        "b/x1.xlsx:row 2: goemotions: 'Unsure' next to labels dropped",
        "b/x1.xlsx:row 3: basic7: unknown label 'Happy' dropped",
        "b/x1.xlsx:row 3: goemotions: unknown label(s) 'joyy' dropped",
        "b/x1.xlsx:row 3: skipped: no valid label left",
        "b/x1.xlsx:row 4: skipped: clip_id 3 is a number (its leading zeros are lost)",
        "b/x1.xlsx:row 7: skipped: v1/0001 again (first labelled at row 2)",
        "b/x1.xlsx:row 8: basic7: unknown label 'Happy' dropped",
        "b/x1.xlsx:row 8: goemotions: unknown label(s) 'joyy' dropped",
    ]
    assert [(r.clip.external_id, r.payload) for r in result.records] == [
        ("v1/0001", {"basic7": "Joy", "goemotions": ["joy"]}),
        ("v1/0005", {"basic7": UNSURE, "goemotions": [UNSURE]}),
        ("v1/0006", {"goemotions": ["pride"]}),
    ]
    first = result.records[0]
    assert (first.annotator, first.clip.batch, first.clip.transcript) == ("x1", "pilot", "你好")
    assert first.clip.meta == {"video_id": "v1", "clip_id": "0001", "mode": "train", "label": 0.5}


def test_xlsx_meld_unnamed_column_and_slice_from_folder(tmp_path: Path) -> None:
    header = ["Sr No.", "Utterance", "Unnamed: 2", "Speaker", "Emotion", "Dialogue_ID"]
    header += ["Utterance_ID", "go-emotion"]
    rows = [
        [1, "Hi.", "嗨。", "Ross", "joy", 0, 0, "joy"],
        [2, "Oh.", None, "Rachel", "surprise", 0, 1, "surprise;joy"],
        [3, "No.", None, "Joey", "anger", "x", 2, "anger"],
    ]
    result = read_emos_xlsx(
        _write_xlsx(tmp_path / "last-2" / "annotator_q_train_sent_emo.xlsx", [header, *rows]), VOCAB
    )
    assert [r.clip.external_id for r in result.records] == ["dia0_utt1"]
    assert result.records[0].annotator == "q"
    assert result.records[0].payload == {"goemotions": ["joy", "surprise"]}
    assert result.skipped == [
        "last-2/annotator_q_train_sent_emo.xlsx:row 4: skipped: Dialogue_ID/Utterance_ID 'x'/2 "
        "are not whole numbers",
        "last-2/annotator_q_train_sent_emo.xlsx: rows 2–2: 1 labelled row(s) ignored: outside "
        "this batch's slice (rows 3–4); they belong to another batch",
    ]
    everything = read_emos_xlsx(
        tmp_path / "last-2" / "annotator_q_train_sent_emo.xlsx", VOCAB, rows=range(3)
    )
    assert everything.records[0].clip.meta == {
        "dialogue_id": 0, "utterance_id": 0, "meld_emotion": "joy", "sr_no": 1, "text_zh": "嗨。",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["video_id", "clip_id", "text", "goemotion"], "missing required column(s) basic-7-class"),
        (["video_id", "text", "goemotion", "basic-7-class"], "missing required column(s) clip_id"),
        (
            ["Utterance", "Speaker", "Dialogue_ID", "Utterance_ID"],
            "missing required column(s) go-emotion",
        ),
        (["name", "label"], "not an EmoS CH-SIMS v2 or MELD sheet"),
        (
            ["video_id", "clip_id", "text", "goemotion", "goemotion-b", "basic-7-class"],
            "several goemotion columns",
        ),
    ],
)
def test_xlsx_header_errors_name_the_columns(
    tmp_path: Path, header: list[str], expected: str
) -> None:
    path = _write_xlsx(tmp_path / "h.xlsx", [header, ["v", "1", "t", "joy", "Joy", "x"]])
    with pytest.raises(LabelFileError, match=rf"h\.xlsx: .*{re.escape(expected)}"):
        read_emos_xlsx(path, VOCAB)


def test_xlsx_unreadable_files(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(LabelFileError, match=r"corrupt\.xlsx: not a readable \.xlsx workbook"):
        read_emos_xlsx(corrupt, VOCAB)
    with pytest.raises(LabelFileError, match="cannot read file"):
        read_emos_xlsx(tmp_path / "missing.xlsx", VOCAB)
    empty = _write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(LabelFileError, match="is empty"):
        read_emos_xlsx(empty, VOCAB)


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_rows_good_and_bad(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "\ufeffexternal_id,Annotator,basic7,goemotions,intensity,language,kind,transcript\n"
        "c1,ann1,joy,pride;joy,4,zh,static,你好\n"
        "c2,ann1,愤怒,,,,,\n"
        "c3,ann1,Anger/愤怒,unsure,7,en,,\n"
        "c4,ann1,,,,,,no labels here\n"
        "c5,ann1,Happy,,,,,\n"
        ",ann1,joy,,,,,\n"
        "c1,ann1,sadness,,,,,\n"
        "c1,ann2,,joy;awe,x,fr,,\n"
        "c6,ann1,joy,,,,stream,\n"
        "c7,ann1,,,3.0,,,\n"
        ",,,,,,,\n",
        encoding="utf-8",
    )
    result = read_labels_csv(path, VOCAB)
    ref = f"{tmp_path.name}/labels.csv"
    assert result.unlabelled == 1
    # A row is taken whole or not at all, and the report says each thing wrong with it.
    assert result.skipped == [
        f"{ref}:row 4: skipped: intensity: '7' is not a whole number 1–5",
        f"{ref}:row 6: skipped: basic7: unknown label 'Happy'",
        f"{ref}:row 7: skipped: external_id and annotator are required",
        f"{ref}:row 8: skipped: ann1 already labelled c1 at row 2",
        f"{ref}:row 9: skipped: language 'fr' is not zh or en; goemotions: unknown label(s) "
        "'awe'; intensity: 'x' is not a whole number 1–5",
        f"{ref}:row 10: skipped: kind 'stream' (a CSV row holds clip-level labels; use 'static')",
    ]
    got = [(r.clip.external_id, r.annotator, r.payload, r.source_ref) for r in result.records]
    assert got == [
        (
            "c1",
            "ann1",
            {"basic7": "Joy", "goemotions": ["joy", "pride"], "intensity": 4},
            f"{ref}:row 2",
        ),
        ("c2", "ann1", {"basic7": "Anger"}, f"{ref}:row 3"),
        ("c7", "ann1", {"intensity": 3}, f"{ref}:row 11"),
    ]
    first = result.records[0].clip
    assert (first.kind, first.language, first.transcript, first.source) == (
        "static",
        "zh",
        "你好",
        None,
    )
    assert_platform_accepts(result)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("external_id,basic7\nc1,joy\n", "missing required column(s) annotator"),
        ("id,who,basic7\nc1,a,joy\n", "missing required column(s) external_id, annotator"),
        ("external_id,annotator,transcript\nc1,a,hi\n", "no label column"),
        ("", "file is empty"),
    ],
)
def test_csv_file_errors(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelFileError, match=rf"bad\.csv: {re.escape(expected)}"):
        read_labels_csv(path, VOCAB)


def test_csv_a_bad_row_is_rejected_whole_and_the_corrected_row_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "external_id,annotator,basic7,intensity\n"
        "c1,ann1,Happy,2\n"  # unknown label: not kept as {"intensity": 2}
        "c1,ann1,joy,2\n"  # the annotator's corrected row
        'c2,ann1,"sadness,3\n'  # unbalanced quote
        "c3,ann1,anger,4\n"
        "c4,ann1,fear,1\n",
        encoding="utf-8",
    )
    result = read_labels_csv(path, VOCAB)
    ref = f"{tmp_path.name}/labels.csv"
    assert result.skipped == [
        f"{ref}:row 2: skipped: basic7: unknown label 'Happy'",
        f"{ref}:row 4: skipped: unbalanced quote (its quoted cell runs on over lines 4–6); the "
        "lines after it are read as rows",
    ]
    got = [(r.clip.external_id, r.payload, r.source_ref) for r in result.records]
    assert got == [
        ("c1", {"basic7": "Joy", "intensity": 2}, f"{ref}:row 3"),
        ("c3", {"basic7": "Anger", "intensity": 4}, f"{ref}:row 5"),
        ("c4", {"basic7": "Fear", "intensity": 1}, f"{ref}:row 6"),
    ]


def test_csv_a_quoted_transcript_may_span_lines(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        'external_id,annotator,basic7,transcript\nc1,ann1,joy,"he said ""hi""\nand left"\n'
        "c2,ann1,sadness,x\n",
        encoding="utf-8",
    )
    result = read_labels_csv(path, VOCAB)
    assert result.skipped == []
    assert [(r.clip.transcript, r.source_ref.rsplit(":", 1)[1]) for r in result.records] == [
        ('he said "hi"\nand left', "row 2"),
        ("x", "row 4"),
    ]


def test_csv_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("external_id,annotator,basic7\nc1,a,愤怒\n".encode("gbk"))
    with pytest.raises(LabelFileError, match=r"gbk\.csv: not valid UTF-8"):
        read_labels_csv(path, VOCAB)
