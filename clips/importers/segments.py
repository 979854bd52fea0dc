"""Parse utterance-segment files (SRT, WebVTT, EmoS sentence JSON) into ``SegmentRecord`` lists.

Pure Python on purpose (no Django): importers, management commands and tests share it.
Every parser validates each cue where it is read, so an error can name the file and the
cue/line; the results are then sorted by start time and renumbered 1..n.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "SegmentFileError",
    "SegmentRecord",
    "parse_emos_sentences",
    "parse_segments",
    "parse_srt",
    "parse_webvtt",
    "read_emos_sentence_file",
    "read_emos_sentence_source",
]


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    index: int  # 1-based, in time order
    start_s: float  # seconds from clip start, >= 0
    end_s: float  # > start_s
    text: str
    speaker: str = ""


class SegmentFileError(ValueError):
    """A segment file that cannot be read; the message names the file and the line/entry and
    says what is wrong."""


# SRT/VTT share one lenient clock: optional hours, "," or "." before 1-3 fraction digits.
_TIME = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?")
# SRT has no escaping, so only strip things that look like tags ("<i>", "</font>") and
# ASS overrides ("{\an8}"); a literal "<3" survives.
_SRT_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|\{\\[^{}]*\}")
# In WebVTT a bare "<" must be escaped, so every <...> is markup (incl. <00:01.000> karaoke).
_VTT_MARKUP = re.compile(r"<[^<>]*>")
_VTT_VOICE = re.compile(r"<v(?:\.[^\s.>]+)*[ \t]+([^>]*)>")
_VTT_SKIPPED_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
# TurboScribe's free tier prefixes a transcript with this upsell notice (EmoS "Dog 13",
# segment 1); it is not speech. Anchored on both fixed phrases so real speech cannot match.
_WATERMARK = re.compile(
    r"[(\uff08]\s*Transcribed by [^()\uff08\uff09]*?remove this message\.?\s*[)\uff09]\s*",
    re.IGNORECASE,
)


def parse_segments(path: Path) -> list[SegmentRecord]:
    """Read an .srt, .vtt or EmoS .json file; a WEBVTT header or a JSON object is recognised
    whatever the extension, otherwise the extension (or a `-->` line) decides."""
    text = _read_text(path)
    head = text.lstrip()
    suffix = path.suffix.lower()
    if head.startswith("WEBVTT") or suffix == ".vtt":
        return parse_webvtt(text, source=str(path))
    if head.startswith("{") or suffix == ".json":
        return parse_emos_sentences(_load_json(text, str(path)), source=str(path))
    if suffix == ".srt" or "-->" in text:
        return parse_srt(text, source=str(path))
    raise SegmentFileError(f"{path}: not a recognised segment file (expected SRT, WebVTT or JSON)")


def read_emos_sentence_file(path: Path) -> tuple[str | None, list[SegmentRecord]]:
    """Read an EmoS ``sentence_level_timestamps.json``; return (``lang``, segments)."""
    data = _load_json(_read_text(path), str(path))
    segments = parse_emos_sentences(data, source=str(path))
    lang = data.get("lang") if isinstance(data, Mapping) else None
    return (lang if isinstance(lang, str) and lang else None), segments


def read_emos_sentence_source(path: Path) -> dict[str, Any]:
    """What an EmoS sentence file says of its film besides the segments (``lang``, ``film``,
    ``source_rel``, ``t_start_global``, ``t_end_global``, ``duration``, ``clip``): kept as the
    clip's source metadata so a release can write them back. Empty when unreadable (reading
    the segments reports why)."""
    try:
        data = _load_json(_read_text(path), str(path))
    except SegmentFileError:
        return {}
    if not isinstance(data, Mapping):
        return {}
    return {k: v for k, v in data.items() if k != "segments" and isinstance(v, str | int | float)}


def parse_emos_sentences(data: object, *, source: str = "<json>") -> list[SegmentRecord]:
    """Segments of an EmoS sentence file: ``{"segments": [{"start", "end", "text"}, ...]}``."""
    entries = data.get("segments") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise SegmentFileError(
            f"{source}: expected a JSON object with a 'segments' list "
            "(EmoS sentence_level_timestamps.json)"
        )
    if not entries:
        raise SegmentFileError(f"{source}: 'segments' is empty")
    records: list[SegmentRecord] = []
    for pos, entry in enumerate(entries, start=1):
        where = f"{source}: segment {pos}"
        if not isinstance(entry, Mapping):
            raise SegmentFileError(f"{where}: expected an object, got {type(entry).__name__}")
        if isinstance(entry.get("index"), int) and entry["index"] != pos:
            where += f" (index {entry['index']})"
        start, end = _seconds(entry, "start", where), _seconds(entry, "end", where)
        _check_span(start, end, where)
        text = entry.get("text")
        speaker = entry.get("speaker")
        if text is not None and not isinstance(text, str):
            raise SegmentFileError(f"{where}: 'text' must be a string, got {text!r}")
        if speaker is not None and not isinstance(speaker, str):
            raise SegmentFileError(f"{where}: 'speaker' must be a string, got {speaker!r}")
        records.append(
            SegmentRecord(pos, start, end, _WATERMARK.sub("", text or "").strip(), speaker or "")
        )
    return _renumber(records)


def parse_srt(text: str, *, source: str = "<srt>") -> list[SegmentRecord]:
    """SubRip. Cues are located by their ``-->`` line rather than by blank lines, so files with
    missing or extra blank lines still parse; a digit-only line just above a timing line is
    that cue's number."""
    lines = _lines(text)
    timing_rows = [i for i, line in enumerate(lines) if "-->" in line]
    if not timing_rows:
        raise SegmentFileError(f"{source}: no cues found (no 'start --> end' timing line)")
    # Where each cue begins: its number line if it has one, else its timing line.
    starts = [i - 1 if i > 0 and lines[i - 1].strip().isdigit() else i for i in timing_rows]
    for i, line in enumerate(lines[: starts[0]]):
        if line.strip():
            raise SegmentFileError(f"{source}: line {i + 1}: unexpected text before the first cue")
    records: list[SegmentRecord] = []
    for ordinal, (row, begin) in enumerate(zip(timing_rows, starts, strict=True), start=1):
        label = lines[begin].strip() if begin < row else str(ordinal)
        where = f"{source}: cue {label} (line {row + 1})"
        start, end = _parse_timing(lines[row], where)
        stop = starts[ordinal] if ordinal < len(starts) else len(lines)
        body = _clean(lines[row + 1 : stop], _SRT_MARKUP)
        records.append(SegmentRecord(ordinal, start, end, body))
    return _renumber(records)


def parse_webvtt(text: str, *, source: str = "<vtt>") -> list[SegmentRecord]:
    """WebVTT. NOTE/STYLE/REGION blocks are skipped; ``<v Name>`` gives the speaker (the first
    voice in a cue when it has several)."""
    lines = _lines(text)
    if not lines or not re.match(r"WEBVTT(?:[ \t]|$)", lines[0]):
        raise SegmentFileError(f"{source}: line 1: missing 'WEBVTT' header")
    blocks = _blocks(lines)
    header_start, header = blocks[0]
    for offset, line in enumerate(header):
        if "-->" in line:
            raise SegmentFileError(
                f"{source}: line {header_start + offset}: "
                "expected a blank line between the WEBVTT header and the first cue"
            )
    records: list[SegmentRecord] = []
    for first_line, block in blocks[1:]:
        if "-->" not in block[0] and _VTT_SKIPPED_BLOCK.match(block[0]):
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise SegmentFileError(
                f"{source}: line {first_line}: block is not a cue (no 'start --> end' timing line)"
            )
        label = block[0].strip() if timing_at else str(len(records) + 1)
        where = f"{source}: cue {label} (line {first_line + timing_at})"
        start, end = _parse_timing(block[timing_at], where)
        payload = block[timing_at + 1 :]
        voice = _VTT_VOICE.search("\n".join(payload))
        speaker = html.unescape(voice.group(1)).strip() if voice else ""
        body = _clean(payload, _VTT_MARKUP, unescape=True)
        records.append(SegmentRecord(len(records) + 1, start, end, body, speaker))
    if not records:
        raise SegmentFileError(f"{source}: no cues found")
    return _renumber(records)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SegmentFileError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SegmentFileError(
            f"{path}: not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})"
        ) from exc
    if not text.strip():
        raise SegmentFileError(f"{path}: file is empty")
    return text


def _load_json(text: str, source: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SegmentFileError(
            f"{source}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc


def _lines(text: str) -> list[str]:
    # splitlines() would also split on U+2028 etc., which may legitimately sit inside cue text.
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with its 1-based first line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    return blocks


def _parse_timing(line: str, where: str) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    # Anything after the end time is WebVTT cue settings or SRT box coordinates: ignored.
    fields = right.split(maxsplit=1)
    if not fields:
        raise SegmentFileError(f"{where}: missing end time in {line.strip()!r}")
    return _check_span(_parse_time(left, where), _parse_time(fields[0], where), where)


def _parse_time(raw: str, where: str) -> float:
    match = _TIME.fullmatch(raw.strip())
    if match is None:
        raise SegmentFileError(f"{where}: unparsable timestamp {raw.strip()!r}")
    hours, minutes, seconds, fraction = match.groups()
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return round(value, 3)


def _seconds(entry: Mapping[str, object], key: str, where: str) -> float:
    value = entry.get(key)
    # bool is an int subclass; NaN/Infinity are accepted by json.loads.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SegmentFileError(f"{where}: '{key}' must be a number of seconds, got {value!r}")
    return float(value)


def _check_span(start: float, end: float, where: str) -> tuple[float, float]:
    if start < 0 or end < 0:
        raise SegmentFileError(f"{where}: negative time ({start:g}s --> {end:g}s)")
    if end <= start:
        raise SegmentFileError(f"{where}: end {end:g}s is not after start {start:g}s")
    return start, end


def _clean(lines: list[str], markup: re.Pattern[str], *, unescape: bool = False) -> str:
    kept = []
    for line in lines:
        line = _WATERMARK.sub("", markup.sub("", line))
        line = (html.unescape(line) if unescape else line).strip()
        if line:
            kept.append(line)
    return "\n".join(kept)


def _renumber(records: list[SegmentRecord]) -> list[SegmentRecord]:
    # sorted() is stable: cues starting together keep their file order.
    ordered = sorted(records, key=lambda r: r.start_s)
    return [
        SegmentRecord(i, r.start_s, r.end_s, r.text, r.speaker)
        for i, r in enumerate(ordered, start=1)
    ]
