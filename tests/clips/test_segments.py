"""Segment-file parsers: every real EmoS sentence file, plus small SRT/WebVTT/JSON samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clips.importers.segments import (
    SegmentFileError,
    SegmentRecord,
    parse_emos_sentences,
    parse_segments,
    parse_srt,
    parse_webvtt,
    read_emos_sentence_file,
)

# Third-party data lives next to the repo, never inside it (see ../shared/emos/README.md).
EMOS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "emos"
SENTENCE_FILES = sorted((EMOS_DIR / "streaming").glob("*/sentence_level_timestamps.json"))
WATERMARK = "(Transcribed by TurboScribe.ai. Go Unlimited to remove this message.)"


# --- real EmoS files ---------------------------------------------------------------------------


def test_all_46_emos_films_are_found() -> None:
    # Guards the parametrised test below against silently running over an empty glob.
    assert len(SENTENCE_FILES) == 46


@pytest.mark.parametrize("path", SENTENCE_FILES, ids=[p.parent.name for p in SENTENCE_FILES])
def test_real_emos_sentence_file(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    lang, segments = read_emos_sentence_file(path)

    assert lang == data["lang"]
    assert len(segments) == len(data["segments"])
    assert [s.index for s in segments] == list(range(1, len(segments) + 1))
    assert all(s.start_s >= 0 and s.end_s > s.start_s for s in segments)
    starts = [s.start_s for s in segments]
    assert starts == sorted(starts)
    for seg, raw in zip(segments, data["segments"], strict=True):
        assert (seg.start_s, seg.end_s) == (raw["start"], raw["end"])
        assert seg.text == raw["text"].replace(WATERMARK, "").strip()
        assert "TurboScribe" not in seg.text
    assert parse_segments(path) == segments


def test_known_values_a_few_good_men_and_black_ice() -> None:
    streaming = EMOS_DIR / "streaming"
    lang, segments = read_emos_sentence_file(
        streaming / "A Few Good Men" / "sentence_level_timestamps.json"
    )
    assert lang == "en"
    assert len(segments) == 19
    assert segments[0] == SegmentRecord(1, 0.0, 2.16, "You can't handle the truth!")

    lang, segments = read_emos_sentence_file(
        streaming / "Black Ice" / "sentence_level_timestamps.json"
    )
    assert lang == "zh"
    assert segments[48] == SegmentRecord(
        49, 233.059, 236.059, "最低层次的人通常他们接收的物质能量,"
    )


def test_turboscribe_watermark_is_stripped_from_dog_13() -> None:
    path = EMOS_DIR / "streaming" / "Dog 13" / "sentence_level_timestamps.json"
    assert WATERMARK in path.read_text(encoding="utf-8")  # the quirk is really there
    lang, segments = read_emos_sentence_file(path)
    assert lang == "zh"
    assert segments[0] == SegmentRecord(1, 0.0, 2.24, "你知道人总是这样的。")
    assert segments[1].text == "比如,去年过年我买那件绿毛衣。"


# --- SRT ---------------------------------------------------------------------------------------


def test_srt_tolerates_bom_crlf_tags_multiline_and_missing_blank_lines() -> None:
    text = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i> there,\r\n"
        '<font color="#fff">General</font> Kenobi.\r\n\r\n'
        "2\r\n00:00:03.250 --> 00:00:04,000 X1:10 X2:20 Y1:5 Y2:9\r\n{\\an8}I <3 you\r\n"
        "3\r\n00:00:04,000 --> 00:00:05,000\r\n\r\n\r\n"  # no blank line before it; empty text
        "4\r\n01:02:03,4 --> 01:02:04,000\r\nlast cue, no trailing newline"
    )
    assert parse_srt(text) == [
        SegmentRecord(1, 1.0, 2.5, "Hello there,\nGeneral Kenobi."),
        SegmentRecord(2, 3.25, 4.0, "I <3 you"),
        SegmentRecord(3, 4.0, 5.0, ""),
        SegmentRecord(4, 3723.4, 3724.0, "last cue, no trailing newline"),
    ]


def test_srt_sorts_by_start_renumbers_and_keeps_overlaps() -> None:
    text = (
        "1\n00:00:05,000 --> 00:00:07,000\nlater\n\n"
        "2\n00:00:01,000 --> 00:00:06,000\nearlier, overlapping\n\n"
        "3\n00:00:01,000 --> 00:00:02,000\nsame start, file order kept\n"
    )
    assert parse_srt(text) == [
        SegmentRecord(1, 1.0, 6.0, "earlier, overlapping"),
        SegmentRecord(2, 1.0, 2.0, "same start, file order kept"),
        SegmentRecord(3, 5.0, 7.0, "later"),
    ]


def test_srt_numeric_text_line_is_not_taken_for_a_cue_number() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n42\n\n2\n00:00:03,000 --> 00:00:04,000\nok\n"
    assert [s.text for s in parse_srt(text)] == ["42", "ok"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\na\n\n7\n00:00:03,000 --> 00:00:03,000\nb\n",
            "movie.srt: cue 7 (line 6): end 3s is not after start 3s",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:05,000 --> 00:00:04,000\nb\n",
            "movie.srt: cue 2 (line 6): end 4s is not after start 5s",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:xx,000 --> 00:00:04,000\nb\n",
            "movie.srt: cue 2 (line 6): unparsable timestamp '00:00:xx,000'",
        ),
        (
            "1\n-00:00:01,000 --> 00:00:02,000\na\n",
            "movie.srt: cue 1 (line 2): unparsable timestamp '-00:00:01,000'",
        ),
        ("1\n00:00:01,000 -->\na\n", "movie.srt: cue 1 (line 2): missing end time"),
        ("just some words\n", "movie.srt: no cues found"),
        ("", "movie.srt: no cues found"),
        (
            "garbage\n\n1\n00:00:01,000 --> 00:00:02,000\na\n",
            "movie.srt: line 1: unexpected text before the first cue",
        ),
    ],
    ids=[
        "zero-length",
        "end-before-start",
        "bad-digits",
        "negative",
        "no-end",
        "no-cues",
        "empty",
        "junk-first",
    ],
)
def test_srt_errors_name_source_and_cue(text: str, expected: str) -> None:
    with pytest.raises(SegmentFileError) as excinfo:
        parse_srt(text, source="movie.srt")
    assert str(excinfo.value).startswith(expected)


# --- WebVTT ------------------------------------------------------------------------------------


VTT = """\ufeffWEBVTT - monologue
Kind: captions
Language: en

STYLE
::cue { color: yellow }

NOTE this comment
spans two lines

intro
00:01.000 --> 00:04.500 align:start position:10%
<v.loud Colonel Jessup>You can't handle</v>
<c.yellow>the <b>truth</b></c>!

00:00:04.000 --> 00:00:06.000
<v Kaffee>I want the truth &amp; <00:00:05.000>nothing else</v>

NOTE
cue 3 below has a numeric identifier

3
01:00:00.000 --> 01:00:01.000

"""


def test_webvtt_header_blocks_identifiers_settings_and_voices() -> None:
    assert parse_webvtt(VTT.replace("\n", "\r\n")) == [
        SegmentRecord(1, 1.0, 4.5, "You can't handle\nthe truth!", "Colonel Jessup"),
        SegmentRecord(2, 4.0, 6.0, "I want the truth & nothing else", "Kaffee"),
        SegmentRecord(3, 3600.0, 3601.0, ""),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1\n00:01.000 --> 00:02.000\nhi\n", "talk.vtt: line 1: missing 'WEBVTT' header"),
        ("", "talk.vtt: line 1: missing 'WEBVTT' header"),
        ("WEBVTTX\n\n00:01.000 --> 00:02.000\nhi\n", "talk.vtt: line 1: missing 'WEBVTT' header"),
        ("WEBVTT\n\nNOTE only a note\n", "talk.vtt: no cues found"),
        (
            "WEBVTT\n\nopening\n00:01.000 --> 00:02.000\na\n\n"
            "closing\n00:05.000 --> 00:04.000\nb\n",
            "talk.vtt: cue closing (line 8): end 4s is not after start 5s",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n00:03.000 --> 00:61.000\nb\n",
            "talk.vtt: cue 2 (line 6): unparsable timestamp '00:61.000'",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\na\n\nstray text\nmore text\n",
            "talk.vtt: line 6: block is not a cue",
        ),
        (
            "WEBVTT\n00:01.000 --> 00:02.000\na\n",
            "talk.vtt: line 2: expected a blank line between the WEBVTT header",
        ),
    ],
    ids=[
        "no-header",
        "empty",
        "bad-header",
        "only-notes",
        "end-before-start",
        "bad-seconds",
        "stray-block",
        "no-blank-after-header",
    ],
)
def test_webvtt_errors_name_source_and_cue(text: str, expected: str) -> None:
    with pytest.raises(SegmentFileError) as excinfo:
        parse_webvtt(text, source="talk.vtt")
    assert str(excinfo.value).startswith(expected)


# --- EmoS JSON shape ---------------------------------------------------------------------------


def test_emos_json_sorts_renumbers_and_allows_empty_text_and_speaker() -> None:
    data = {
        "segments": [
            {"index": 1, "start": 4, "end": 5.5, "text": "  second  "},
            {"index": 2, "start": 0.0, "end": 1.0, "text": "", "speaker": "Rudy"},
            {"index": 3, "start": 0.5, "end": 2.0},
        ]
    }
    assert parse_emos_sentences(data) == [
        SegmentRecord(1, 0.0, 1.0, "", "Rudy"),
        SegmentRecord(2, 0.5, 2.0, ""),
        SegmentRecord(3, 4.0, 5.5, "second"),
    ]


def _seg(**overrides: object) -> dict[str, object]:
    return {"index": 1, "start": 0.0, "end": 1.0, "text": "x"} | overrides


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "f.json: expected a JSON object with a 'segments' list"),
        ({"segments": {"1": {}}}, "f.json: expected a JSON object with a 'segments' list"),
        ({"lang": "en"}, "f.json: expected a JSON object with a 'segments' list"),
        ({"segments": []}, "f.json: 'segments' is empty"),
        ({"segments": [_seg(), "oops"]}, "f.json: segment 2: expected an object, got str"),
        ({"segments": [_seg(start="0")]}, "f.json: segment 1: 'start' must be a number"),
        ({"segments": [_seg(end=True)]}, "f.json: segment 1: 'end' must be a number"),
        ({"segments": [_seg(end=float("nan"))]}, "f.json: segment 1: 'end' must be a number"),
        ({"segments": [_seg(start=-0.5)]}, "f.json: segment 1: negative time"),
        ({"segments": [_seg(start=2.0, end=2.0)]}, "f.json: segment 1: end 2s is not after"),
        ({"segments": [_seg(), _seg(index=9, text=3)]}, "f.json: segment 2 (index 9): 'text'"),
        ({"segments": [_seg(speaker=["a"])]}, "f.json: segment 1: 'speaker' must be a string"),
    ],
    ids=[
        "list",
        "dict-segments",
        "no-segments",
        "empty",
        "entry-not-object",
        "start-str",
        "end-bool",
        "end-nan",
        "negative",
        "zero-length",
        "text-int",
        "speaker-list",
    ],
)
def test_emos_json_shape_errors(data: object, expected: str) -> None:
    with pytest.raises(SegmentFileError) as excinfo:
        parse_emos_sentences(data, source="f.json")
    assert str(excinfo.value).startswith(expected)


# --- parse_segments: dispatch and file-level errors --------------------------------------------


SRT = "1\n00:00:00,500 --> 00:00:01,000\nhi\n"
ONE = [SegmentRecord(1, 0.5, 1.0, "hi")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.srt", SRT),
        ("a.vtt", "WEBVTT\n\n00:00.500 --> 00:01.000\nhi\n"),
        (
            "a.json",
            json.dumps({"lang": "en", "segments": [{"start": 0.5, "end": 1, "text": "hi"}]}),
        ),
        ("a.txt", SRT),  # unknown extension: sniffed from "-->"
        ("a.srt", "WEBVTT\n\n00:00.500 --> 00:01.000\nhi\n"),  # content beats extension
        ("a", json.dumps({"segments": [{"start": 0.5, "end": 1.0, "text": "hi"}]})),
    ],
)
def test_parse_segments_dispatches_by_content_and_extension(
    tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert parse_segments(path) == ONE


def test_read_emos_sentence_file_lang_is_optional(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"segments": [{"start": 0.5, "end": 1.0, "text": "hi"}]}))
    assert read_emos_sentence_file(path) == (None, ONE)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.srt", SRT.encode() + b"\xff caf\xe9\n", "not valid UTF-8"),
        ("empty.srt", b"", "file is empty"),
        ("blank.vtt", b"\xef\xbb\xbf \r\n\r\n", "file is empty"),
        ("broken.json", b'{"segments": [\n  {"start": 0,}\n]}', "line 2 column 15: invalid JSON"),
        ("notes.txt", b"hello\nworld\n", "not a recognised segment file"),
    ],
)
def test_parse_segments_file_errors_name_the_file(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SegmentFileError) as excinfo:
        parse_segments(path)
    assert str(excinfo.value).startswith(f"{path}: ")
    assert expected in str(excinfo.value)


def test_missing_file_is_a_segment_file_error(tmp_path: Path) -> None:
    with pytest.raises(SegmentFileError, match="cannot read file"):
        parse_segments(tmp_path / "nope.srt")
