"""Read existing first-layer annotation files into ``LabelRecord``s.

Three formats: the EmoS spreadsheets (CH-SIMS v2 and MELD variants), the EmoS streaming
``<film>.emotion.json`` files, and a plain CSV. Pure Python on purpose (no Django), like
``clips.importers.segments``: importers, management commands and tests share it.

Policy: a file that cannot be read at all raises ``LabelFileError`` naming the file and the
problem; anything smaller (an unknown label, a bad timestamp, a row without ids) is dropped and
described in ``ParseResult.skipped`` with the file and row/utterance, so one typo never loses
a whole file and nothing is dropped silently. Payloads follow ``annotation.payloads``: static
``{"basic7": ..., "goemotions": [...], "intensity": n}``, streaming ``{"segments": [...]}``,
multi-label lists in schema order.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.domain.layers import layer_type
from annotation.domain.schema import LabelSchema
from annotation.domain.spec import UNSURE
from clips.importers.manifest import EMOS_SENTENCES, describe_emos_film
from clips.importers.records import ClipRecord
from clips.importers.segments import (
    SegmentFileError,
    SegmentRecord,
    read_emos_sentence_file,
    read_emos_sentence_source,
)

__all__ = [
    "BASIC7_LAYER",
    "FILE_PATTERNS",
    "GOEMOTIONS_LAYER",
    "INTENSITY_LAYER",
    "UNSURE",
    "LabelFileError",
    "LabelFiles",
    "LabelRecord",
    "ParseResult",
    "Vocabulary",
    "label_files",
    "read_emos_streaming",
    "read_emos_xlsx",
    "read_label_files",
    "read_labels_csv",
]

# Payload keys: the layer names of ``annotation.schema.default_label_schema()``. The EmoS files
# only ever carry these two layers (+ intensity), so the mapping is fixed rather than configured.
BASIC7_LAYER = "basic7"
GOEMOTIONS_LAYER = "goemotions"
INTENSITY_LAYER = "intensity"
EMOS_SUFFIX = ".emotion.json"  # <film>.emotion.json: an EmoS streaming file
DEFAULT_INTENSITY_RANGE = (1, 5)

_MULTI_SEPARATORS = re.compile(r"[;；,，、]")
_BILINGUAL_SEPARATORS = re.compile(r"[/／|]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The folder a batch lives in says which slice of the shared sheet it labels (README: MELD
# "first-3000" / "last-2000", CH-SIMS v2 "first-2500" / "last-2500").
_BATCH_SLICE = re.compile(r"(first|last)-(\d+)")
_RANGE = re.compile(r"\s*([\d:.]+)\s*[-–—~]\s*([\d:.]+)\s*")
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)")

_SEGMENT_TEXT = {  # EmoS utterance key -> segment payload key
    "speaker_guess": "speaker",
    "audio_cues": "audio_cues",
    "visual_cues": "visual_cues",
    "evidence": "evidence",
    "transcript_en": "transcript_en",
    "transcript_zh": "transcript_zh",
}
_UTTERANCE_KEYS = {
    "timestamp_range",
    "emotion_primary",
    "emotion_secondary",
    "intensity",
    *_SEGMENT_TEXT,
}


class LabelFileError(ValueError):
    """A label file that cannot be read at all; the message names the file and the problem."""


def _normalise(raw: str) -> str:
    """Lookup key: NFKC (full-width letters), case-folded, punctuation and emoji dropped
    (the streaming files have "anger 😡"), whitespace collapsed."""
    text = unicodedata.normalize("NFKC", raw).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Canonical label values per schema layer, looked up case-insensitively; also accepts the
    Chinese name and bilingual strings like "Anger/愤怒".

    Each alias map is built in schema order (then "Unsure"), which is the order multi-label
    lists come back in: the same order ``annotation.payloads`` normalises to.
    """

    single: dict[str, dict[str, str]]  # layer name -> {normalised alias -> canonical value}
    multi: dict[str, dict[str, str]]
    ordinal: dict[str, tuple[int, int]] = field(default_factory=dict)  # layer -> (min, max)

    @classmethod
    def from_schema(cls, schema: LabelSchema | Mapping[str, Any]) -> Vocabulary:
        """Each layer read as its type says (``LayerType.import_reader``): one label, a list
        of labels, or a number on the layer's scale."""
        readers: dict[str, dict[str, dict[str, str]]] = {"label": {}, "labels": {}}
        ordinal: dict[str, tuple[int, int]] = {}
        for layer in LabelSchema.of(schema):
            kind = layer_type(layer.type)
            if kind.import_reader in readers:
                readers[kind.import_reader][layer.name] = _aliases(kind.import_names(layer))
            elif kind.import_reader == "number" and layer.min is not None and layer.max is not None:
                ordinal[layer.name] = (layer.min, layer.max)
        return cls(single=readers["label"], multi=readers["labels"], ordinal=ordinal)

    def single_value(self, layer: str, raw: str) -> str | None:
        """The canonical value, or None when unknown (or the layer is not a single layer)."""
        return _lookup(self.single.get(layer, {}), raw)

    def multi_values(self, layer: str, raw: str | list[str]) -> tuple[list[str], list[str]]:
        """(known canonical values in schema order, de-duplicated; unknown raw values as
        written). A string is split on ";" (and "," "、" and full-width forms)."""
        aliases = self.multi.get(layer, {})
        order = list(dict.fromkeys(aliases.values()))
        known: set[str] = set()
        unknown: list[str] = []
        for item in [raw] if isinstance(raw, str) else raw:
            for piece in _MULTI_SEPARATORS.split(str(item)):
                piece = piece.strip()
                if not _normalise(piece):
                    continue  # "amusement;" leaves an empty piece: not a label, not an error
                value = _lookup(aliases, piece)
                if value is not None:
                    known.add(value)
                elif piece not in unknown:
                    unknown.append(piece)
        return sorted(known, key=order.index), unknown

    def intensity_range(self, layer: str = INTENSITY_LAYER) -> tuple[int, int]:
        return self.ordinal.get(layer, DEFAULT_INTENSITY_RANGE)


def _aliases(entries: list[tuple[str, list[str | None]]]) -> dict[str, str]:
    # Values first so a label's own value always resolves to itself; a secondary name shared by
    # two labels (possible in an edited schema) is ambiguous, so it resolves to neither.
    aliases = {_normalise(value): value for value, _ in entries}
    claimed: dict[str, str] = {}
    ambiguous: set[str] = set()
    for value, names in entries:
        for name in names:
            key = _normalise(name) if isinstance(name, str) else ""
            if not key or key in aliases:
                continue
            if claimed.setdefault(key, value) != value:
                ambiguous.add(key)
    aliases.update((k, v) for k, v in claimed.items() if k not in ambiguous)
    return aliases


def _lookup(aliases: Mapping[str, str], raw: str) -> str | None:
    if not isinstance(raw, str):
        return None
    value = aliases.get(_normalise(raw))
    if value is not None or not _BILINGUAL_SEPARATORS.search(raw):
        return value
    # "Anger/愤怒", and "Neutral/自然" whose Chinese half is not the schema's: the known halves
    # must agree on one label; "Anger/喜悦" names two and is unknown.
    found = {aliases.get(_normalise(part)) for part in _BILINGUAL_SEPARATORS.split(raw)}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


@dataclass(slots=True)
class LabelRecord:
    clip: ClipRecord  # source=None: label files carry no media
    annotator: str  # the annotator's id as in the source ("a1", "csq", "cp")
    payload: dict[str, Any]
    source_ref: str  # "first-2500/a1.xlsx:row 7"
    # Streaming: the resolution the source wrote its times in (EmoS: 1 s). An end past the
    # clip's media by less than this is the clip's end, not an error.
    time_resolution_s: float = 0.0


@dataclass(slots=True)
class ParseResult:
    records: list[LabelRecord] = field(default_factory=list)
    unlabelled: int = 0  # rows with no label at all (normal: each batch labels a slice)
    skipped: list[str] = field(default_factory=list)  # what was dropped and why
    clamped: list[str] = field(default_factory=list)  # ends cut at the film's end, and by how much
    # What the file was read as, for a preview: its format, and the source column (or key)
    # behind each thing read ("basic7": "basic-7-class").
    detected: str = ""
    columns: dict[str, str] = field(default_factory=dict)


# --- shared helpers ------------------------------------------------------------------------------


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _show(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else f"{text[:57]}...'"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _whole(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _filled(*values: object) -> bool:
    for value in values:
        if isinstance(value, list | tuple):
            if any(_cell_text(v) for v in value):
                return True
        elif _cell_text(value):
            return True
    return False


def _labels(
    vocab: Vocabulary,
    where: str,
    skipped: list[str],
    *,
    basic7: object = None,
    goemotions: object = None,
    intensity: object = None,
) -> dict[str, Any]:
    """The label part of a payload; unknown or bad values are dropped and reported."""
    out: dict[str, Any] = {}
    if _filled(basic7):
        # A JSON list/object where one label belongs is as unknown as a misspelt label.
        value = (
            None
            if isinstance(basic7, list | dict)
            else vocab.single_value(BASIC7_LAYER, _cell_text(basic7))
        )
        if value is None:
            skipped.append(f"{where}: {BASIC7_LAYER}: unknown label {_show(basic7)} dropped")
        else:
            out[BASIC7_LAYER] = value
    if isinstance(goemotions, list) or _cell_text(goemotions):
        items = goemotions if isinstance(goemotions, list) else _cell_text(goemotions)
        known, unknown = vocab.multi_values(GOEMOTIONS_LAYER, items)
        if unknown:
            shown = ", ".join(_show(u) for u in unknown)
            skipped.append(f"{where}: {GOEMOTIONS_LAYER}: unknown label(s) {shown} dropped")
        if UNSURE in known and len(known) > 1:
            # The platform forbids "Unsure" next to labels; the labels say more.
            known.remove(UNSURE)
            skipped.append(f"{where}: {GOEMOTIONS_LAYER}: {UNSURE!r} next to labels dropped")
        if known:
            out[GOEMOTIONS_LAYER] = known
    if intensity is not None and _cell_text(intensity):
        lo, hi = vocab.intensity_range()
        level = None if isinstance(intensity, bool) else _whole(intensity)
        if level is None or not lo <= level <= hi:
            skipped.append(
                f"{where}: {INTENSITY_LAYER}: {_show(intensity)} is not a whole number "
                f"{lo}–{hi}; dropped"
            )
        else:
            out[INTENSITY_LAYER] = level
    return out


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LabelFileError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelFileError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc


# --- EmoS spreadsheets ---------------------------------------------------------------------------


def _header_key(value: object) -> str:
    return re.sub(r"[^0-9a-z]", "", _cell_text(value).casefold())


def _is_goemotions_header(key: str) -> bool:
    return key.startswith("goemotion")  # goemotion, go-emotion, goemotion-wqf


def _is_basic7_header(key: str) -> bool:
    return re.match(r"(?:basic)?7(?:class|emotion)|basic7", key) is not None  # 7-emotion-wqf


def _is_blank_header(value: object) -> bool:
    # pandas writes a nameless column as "Unnamed: 2"; openpyxl gives None.
    return re.fullmatch(r"(?:unnamed:?\s*\d+)?", _cell_text(value).casefold()) is not None


_CHSIMS_REQUIRED = {"videoid": "video_id", "clipid": "clip_id", "text": "text"}
_MELD_REQUIRED = {
    "utterance": "Utterance",
    "speaker": "Speaker",
    "dialogueid": "Dialogue_ID",
    "utteranceid": "Utterance_ID",
}


@dataclass(slots=True)
class _Sheet:
    variant: str  # "chsims" | "meld"
    columns: dict[str, int]  # header key -> first column index
    goemotions: int
    basic7: int | None
    blank: list[int]  # nameless columns (a10's Chinese translation)
    header: list[str]


def _sheet_layout(header: Sequence[object], ref: str) -> _Sheet:
    keys = [_header_key(h) for h in header]
    columns: dict[str, int] = {}
    for i, key in enumerate(keys):
        columns.setdefault(key, i)
    chsims = sum(k in columns for k in _CHSIMS_REQUIRED)
    meld = sum(k in columns for k in _MELD_REQUIRED)
    shown = ", ".join(repr(_cell_text(h)) for h in header)
    if not chsims and not meld:
        raise LabelFileError(
            f"{ref}: not an EmoS CH-SIMS v2 or MELD sheet (expected columns video_id, clip_id, "
            f"text, goemotion, basic-7-class or Utterance, Speaker, Dialogue_ID, Utterance_ID, "
            f"go-emotion); header: {shown}"
        )
    variant = "chsims" if chsims >= meld else "meld"
    required = dict(_CHSIMS_REQUIRED if variant == "chsims" else _MELD_REQUIRED)
    missing = [name for key, name in required.items() if key not in columns]
    go_cols = [i for i, k in enumerate(keys) if _is_goemotions_header(k)]
    b7_cols = [i for i, k in enumerate(keys) if _is_basic7_header(k)]
    for found, name in ((go_cols, "goemotion"), (b7_cols, "basic-7-class")):
        if len(found) > 1:
            raise LabelFileError(f"{ref}: several {name} columns ({len(found)}); header: {shown}")
    if not go_cols:
        missing.append("goemotion" if variant == "chsims" else "go-emotion")
    if variant == "chsims" and not b7_cols:
        missing.append("basic-7-class")
    if missing:
        raise LabelFileError(
            f"{ref}: missing required column(s) {', '.join(missing)}; header: {shown}"
        )
    return _Sheet(
        variant=variant,
        columns=columns,
        goemotions=go_cols[0],
        basic7=b7_cols[0] if b7_cols else None,
        blank=[i for i, h in enumerate(header) if _is_blank_header(h)],
        header=[_cell_text(h) for h in header],
    )


def _load_rows(path: Path, ref: str) -> tuple[_Sheet, list[tuple[object, ...]]]:
    """The header layout and data rows of the first worksheet that looks like an EmoS sheet."""
    import openpyxl  # only the spreadsheet reader needs it

    if not path.is_file():
        raise LabelFileError(f"{path}: cannot read file: no such file")
    # openpyxl reports a damaged package as any of zipfile/KeyError/XML/ValueError errors.
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise LabelFileError(f"{ref}: not a readable .xlsx workbook ({exc})") from exc
    first_error: LabelFileError | None = None
    try:
        for sheet in book.worksheets:
            try:
                rows = list(sheet.iter_rows(values_only=True))
            except Exception as exc:
                raise LabelFileError(f"{ref}: sheet {sheet.title!r} is unreadable ({exc})") from exc
            if not any(_cell_text(v) for row in rows[:50] for v in row):
                first_error = first_error or LabelFileError(
                    f"{ref}: sheet {sheet.title!r} is empty"
                )
                continue
            try:
                layout = _sheet_layout(rows[0], ref)
            except LabelFileError as exc:
                first_error = first_error or exc
                continue
            data = rows[1:]
            while data and not any(_cell_text(v) for v in data[-1]):
                data.pop()  # formatting can stretch a sheet's range past its last row
            return layout, data
    finally:
        book.close()
    raise first_error or LabelFileError(f"{ref}: workbook has no worksheet")


def _batch_rows(folder: str, total: int) -> range | None:
    match = _BATCH_SLICE.fullmatch(folder)
    if match is None:
        return None
    size = min(int(match.group(2)), total)
    return range(0, size) if match.group(1) == "first" else range(total - size, total)


def read_emos_xlsx(
    path: Path,
    vocab: Vocabulary,
    *,
    batch: str | None = None,
    rows: range | None = None,
) -> ParseResult:
    """One annotator's EmoS spreadsheet (CH-SIMS v2 or MELD, told apart by the header).

    Annotator: the file stem, or "csq" from ``annotator_csq_train_sent_emo.xlsx``. Batch:
    ``batch`` or the folder name. ``rows`` (0-based data rows, the README's numbering) limits
    which labelled rows count; by default a ``first-N``/``last-N`` folder limits them to that
    slice, because the MELD ``last-2000`` sheets also carry (lightly corrected) copies of the
    ``first-3000`` annotators' labels in rows 0–2999. Labelled rows outside the slice are
    reported once in ``skipped``; pass ``range(0, sys.maxsize)`` to read every row.
    """
    ref = _display(path)
    layout, data = _load_rows(path, str(path))  # errors name the full path
    stem = path.stem
    match = re.fullmatch(r"annotator_(.+?)_train_sent_emo", stem)
    annotator = match.group(1) if match else stem
    window = rows if rows is not None else _batch_rows(path.parent.name, len(data))
    result = ParseResult(
        detected=f"emos-xlsx ({'CH-SIMS v2' if layout.variant == 'chsims' else 'MELD'})"
    )
    named = {key: layout.header[i] for key, i in layout.columns.items()}
    result.columns = {
        "clip": " + ".join(
            named[k] for k in (("videoid", "clipid") if layout.variant == "chsims"
                               else ("dialogueid", "utteranceid"))
        ),
        "transcript": named["text" if layout.variant == "chsims" else "utterance"],
        GOEMOTIONS_LAYER: layout.header[layout.goemotions],
        **({BASIC7_LAYER: layout.header[layout.basic7]} if layout.basic7 is not None else {}),
        "annotator": f"{annotator} (the file's name)",
    }  # fmt: skip
    outside: list[int] = []
    seen: dict[str, str] = {}
    for index, values in enumerate(data):
        where = f"{ref}:row {index + 2}"  # the row number a spreadsheet shows (header = 1)
        row = _Row(values, layout.columns)
        go_raw, b7_raw = row.at(layout.goemotions), row.at(layout.basic7)
        if not _filled(go_raw, b7_raw):
            if any(_cell_text(v) for v in values):  # a blank spacer row is not an item
                result.unlabelled += 1
            continue
        if window is not None and index not in window:
            outside.append(index + 2)
            continue
        clip = (
            _chsims_clip(row, where, result.skipped)
            if layout.variant == "chsims"
            else _meld_clip(row, layout.blank, where, result.skipped)
        )
        if clip is None:
            continue
        clip.batch = batch or path.parent.name
        if clip.external_id in seen:
            result.skipped.append(
                f"{where}: skipped: {clip.external_id} again (first labelled at "
                f"{seen[clip.external_id]})"
            )
            continue
        payload = _labels(vocab, where, result.skipped, basic7=b7_raw, goemotions=go_raw)
        if not payload:
            result.skipped.append(f"{where}: skipped: no valid label left")
            continue
        seen[clip.external_id] = f"row {index + 2}"
        result.records.append(LabelRecord(clip, annotator, payload, where))
    if outside:
        assert window is not None
        result.skipped.append(
            f"{ref}: rows {outside[0]}–{outside[-1]}: {len(outside)} labelled row(s) ignored: "
            f"outside this batch's slice (rows {window.start + 2}–{window.stop + 1}); they "
            "belong to another batch"
        )
    return result


@dataclass(slots=True)
class _Row:
    values: tuple[object, ...]
    columns: dict[str, int]  # header key -> column index

    def at(self, col: int | None) -> object:
        # read-only openpyxl rows stop at the last filled cell
        return self.values[col] if col is not None and col < len(self.values) else None

    def get(self, key: str) -> object:
        return self.at(self.columns.get(key))

    def text(self, key: str) -> str:
        return _cell_text(self.get(key))


def _chsims_clip(row: _Row, where: str, skipped: list[str]) -> ClipRecord | None:
    video, clip_id = row.text("videoid"), row.get("clipid")
    # clip_id is zero-padded text ("0001", "00020"): a number has lost its padding for good.
    if not isinstance(clip_id, str) or not clip_id.strip():
        why = "is a number (its leading zeros are lost)" if _number(clip_id) is not None else ""
        skipped.append(f"{where}: skipped: clip_id {_show(clip_id)} {why or 'is empty'}")
        return None
    if not video:
        skipped.append(f"{where}: skipped: video_id is empty")
        return None
    # The source's own ids, as written ("0001" keeps its padding), for the release.
    meta: dict[str, Any] = {"video_id": video, "clip_id": clip_id.strip()}
    if row.text("mode"):
        meta["mode"] = row.text("mode")
    # CH-SIMS v2's own sentiment annotation: overall and per modality (text, audio, vision).
    for key, name in (
        ("label", "label"),
        ("labelt", "label_T"),
        ("labela", "label_A"),
        ("labelv", "label_V"),
    ):
        if (value := _number(row.get(key))) is not None:
            meta[name] = value
    if row.text("annotation"):
        meta["annotation"] = row.text("annotation")
    return ClipRecord(
        external_id=f"{video}/{clip_id.strip()}",
        kind="static",
        language="zh",
        transcript=row.text("text"),
        source_video=video,
        meta=meta,
    )


def _meld_clip(row: _Row, blank: list[int], where: str, skipped: list[str]) -> ClipRecord | None:
    dialogue, utterance = _whole(row.get("dialogueid")), _whole(row.get("utteranceid"))
    if dialogue is None or utterance is None:
        skipped.append(
            f"{where}: skipped: Dialogue_ID/Utterance_ID {_show(row.get('dialogueid'))}/"
            f"{_show(row.get('utteranceid'))} are not whole numbers"
        )
        return None
    meta: dict[str, Any] = {"dialogue_id": dialogue, "utterance_id": utterance}
    # "Emotion" is MELD's own label (the same in every file), not this annotator's.
    for key, name in (("emotion", "meld_emotion"), ("sentiment", "sentiment")):
        if row.text(key):
            meta[name] = row.text(key)
    for key, name in (("season", "season"), ("episode", "episode"), ("srno", "sr_no")):
        if (number := _whole(row.get(key))) is not None:
            meta[name] = number
    for key, name in (("starttime", "start"), ("endtime", "end")):
        if row.text(key):
            meta[name] = row.text(key)  # the episode's clock ("00:16:16,059"), kept as written
    zh = next((text for i in blank if (text := _cell_text(row.at(i)))), "")
    if zh:
        meta["text_zh"] = zh
    # Mangled apostrophes ("company?s") stay: the original character cannot be known.
    return ClipRecord(
        external_id=f"dia{dialogue}_utt{utterance}",
        kind="static",
        language="en",
        transcript=row.text("utterance"),
        speaker=row.text("speaker"),
        source_video=f"dia{dialogue}",
        meta=meta,
    )


# --- EmoS streaming JSON -------------------------------------------------------------------------


def _unfence(text: str) -> str:
    """Blank out a Markdown code fence (```json ... ```) in place, so JSON error line and column
    numbers still point into the file."""
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if filled and lines[filled[0]].strip().startswith("```"):
        lines[filled[0]] = ""
        if len(filled) > 1 and lines[filled[-1]].strip() == "```":
            lines[filled[-1]] = ""
    return "\n".join(lines)


def _clock(raw: str) -> float | None:
    match = _CLOCK.fullmatch(raw)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    return round(int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), 3)


def _time_range(raw: object) -> tuple[float, float] | None:
    """ "MM:SS-MM:SS" or "H:MM:SS-H:MM:SS" (fractions allowed) in seconds."""
    match = _RANGE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        return None
    start, end = _clock(match.group(1)), _clock(match.group(2))
    return None if start is None or end is None else (start, end)


def _sentence_file(
    folder: Path, ref: str, skipped: list[str]
) -> tuple[str, list[SegmentRecord], dict[str, Any]]:
    """(``lang`` or "", reference segments, the file's other fields) of the sibling
    ``sentence_level_timestamps.json``."""
    path = folder / EMOS_SENTENCES
    if not path.is_file():
        return "", [], {}
    try:
        lang, segments = read_emos_sentence_file(path)
    except SegmentFileError as exc:
        skipped.append(f"{ref}: sibling sentence file not used: {exc}")
        return "", [], {}
    return (lang if lang in ("zh", "en") else ""), segments, read_emos_sentence_source(path)


def _resolution(raw: str) -> float:
    """The time resolution a timestamp range is written in: 1 s for "01:16-01:21", 0.1 s for
    "01:16.5-01:21.0"."""
    digits = max((len(f) for f in re.findall(r"\.(\d+)", raw)), default=0)
    return 10.0**-digits


def _guess_language(reference: list[SegmentRecord], utterances: list[Any]) -> str:
    """Without a "lang": the spoken text of the sentence file says it; failing that, the
    transcript an utterance has alone (every real utterance has both, so "" = cannot tell)."""
    spoken = "".join(s.text for s in reference).replace(" ", "")
    if spoken:
        return "zh" if len(_CJK.findall(spoken)) * 2 > len(spoken) else "en"
    alone = {"zh": 0, "en": 0}
    for utt in utterances:
        if isinstance(utt, dict):
            has = {lang for lang in alone if _filled(utt.get(f"transcript_{lang}"))}
            if len(has) == 1:
                alone[has.pop()] += 1
    if alone["zh"] == alone["en"]:
        return ""
    return "zh" if alone["zh"] > alone["en"] else "en"


def read_emos_streaming(path: Path, vocab: Vocabulary, *, annotator: str) -> ParseResult:
    """One film's ``<film>.emotion.json`` (or the film folder): one record whose payload holds
    the utterances as time-ordered segments. Language and reference segments come from the
    sibling ``sentence_level_timestamps.json`` when it is there."""
    if path.is_dir():
        path = path / f"{path.name}.emotion.json"
    film = path.parent.name or path.name.removesuffix(EMOS_SUFFIX)
    ref = _display(path)
    text = _unfence(_read_text(path))
    if not text.strip():
        raise LabelFileError(f"{path}: file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabelFileError(
            f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc
    utterances = data.get("utterances") if isinstance(data, dict) else None
    if not isinstance(utterances, list):
        raise LabelFileError(f"{path}: expected a JSON object with an 'utterances' list")
    result = ParseResult(
        detected="emos-streaming",
        columns={
            "clip": f"{film} (the film's folder)",
            "segments": "utterances[].timestamp_range",
            BASIC7_LAYER: "emotion_primary",
            GOEMOTIONS_LAYER: "emotion_secondary",
            INTENSITY_LAYER: "intensity",
            "annotator": annotator,
        },
    )
    language, reference, sentences = _sentence_file(path.parent, ref, result.skipped)
    duration = _number(sentences.get("duration"))
    clamped: list[dict[str, float]] = []  # kept on the clip: a release writes them back
    language = language or _guess_language(reference, utterances)
    segments: list[dict[str, Any]] = []
    for number, utt in enumerate(utterances, start=1):
        where = f"{ref}: utterance {number}"
        if not isinstance(utt, dict):
            result.skipped.append(f"{where}: skipped: not an object")
            continue
        if isinstance(utt.get("timestamp_range"), str):
            where += f" ({utt['timestamp_range']})"
        primary, secondary = utt.get("emotion_primary"), utt.get("emotion_secondary")
        if not _filled(primary, secondary, utt.get("intensity")):
            result.unlabelled += 1
            continue
        span = _time_range(utt.get("timestamp_range"))
        if span is None:
            result.skipped.append(
                f"{where}: skipped: bad timestamp_range {_show(utt.get('timestamp_range'))}"
            )
            continue
        if span[1] <= span[0]:
            result.skipped.append(f"{where}: skipped: end is not after start")
            continue
        if duration is not None and span[1] > duration:
            # EmoS writes whole seconds, so a film's last utterance ends up to a second past
            # the film's exact duration (01:21 for 80.34 s): the film's end, said as a note.
            # Some end a few seconds past (01:15 for 72.4 s); their speech is in the film, so
            # they are cut at its end, and the report says by how much. Only an utterance
            # that starts at or past the end is not in the film at all.
            if span[0] >= duration:
                result.skipped.append(
                    f"{where}: skipped: starts at or past the end of the film ({duration:g}s)"
                )
                continue
            over = span[1] - duration
            why = (
                "timestamps are whole seconds"
                if over < _resolution(utt["timestamp_range"])
                else f"{over:.2f}s past it, more than the timestamps' rounding"
            )
            result.clamped.append(
                f"{where}: end {span[1]:g}s clamped to {duration:g}s, the film's duration ({why})"
            )
            clamped.append({"start": span[0], "end": span[1], "clamped_to": duration})
            span = (span[0], duration)
        if secondary is not None and not isinstance(secondary, list | str):
            result.skipped.append(f"{where}: emotion_secondary {_show(secondary)} dropped")
            secondary = None
        labels = _labels(
            vocab,
            where,
            result.skipped,
            basic7=primary,
            goemotions=secondary,
            intensity=utt.get("intensity"),
        )
        if BASIC7_LAYER not in labels and GOEMOTIONS_LAYER not in labels:
            result.skipped.append(f"{where}: skipped: no valid label left")
            continue
        segment: dict[str, Any] = {"start": span[0], "end": span[1], **labels}
        for key, target in _SEGMENT_TEXT.items():
            value = utt.get(key)
            if isinstance(value, str) and value.strip():
                segment[target] = value.strip()
        spoken = segment.get(f"transcript_{language}") if language else None
        if spoken:
            segment["transcript"] = spoken
        extra = sorted(set(utt) - _UTTERANCE_KEYS)
        if extra:
            # The payload format has no place for them (Lincoln has a "note").
            result.skipped.append(f"{where}: field(s) {', '.join(extra)} not imported")
        segments.append(segment)
    segments.sort(key=lambda s: s["start"])  # stable: same-start segments keep file order
    kept: list[dict[str, Any]] = []
    for segment in segments:
        if kept and segment["start"] < kept[-1]["end"]:
            # The platform needs non-overlapping segments; the earlier one keeps its span.
            result.skipped.append(
                f"{ref}: segment {segment['start']:g}–{segment['end']:g}s skipped: overlaps "
                f"{kept[-1]['start']:g}–{kept[-1]['end']:g}s"
            )
            continue
        kept.append(segment)
    if not kept:
        result.skipped.append(f"{ref}: no labelled utterance; nothing imported")
        return result
    speakers = {s["speaker"] for s in kept if "speaker" in s}
    meta = {k: data[k] for k in ("summary", "overall_emotion_trend") if data.get(k) is not None}
    if clamped:
        meta["clamped_ends"] = clamped
    # The transcript is the sentence file's when there is one, as a media import of the film
    # makes it: whichever import comes last, the clip is the same.
    spoken = [s.text for s in reference] or [s["transcript"] for s in kept if "transcript" in s]
    clip = ClipRecord(
        external_id=film,
        kind="stream",
        language=language,
        title=film,
        transcript="\n".join(text for text in spoken if text),
        speaker=speakers.pop() if len(speakers) == 1 else "",
        meta=meta,
        segments=reference or None,
    )
    describe_emos_film(clip, sentences)
    resolution = max(
        _resolution(str(u.get("timestamp_range"))) for u in utterances if isinstance(u, dict)
    )
    result.records.append(LabelRecord(clip, annotator, {"segments": kept}, ref, resolution))
    return result


# --- plain CSV -----------------------------------------------------------------------------------

_CSV_LABELS = ("basic7", "goemotions", "intensity")
_CSV_KINDS = ("static",)  # a row holds clip-level labels; streaming clips need segments
_LANGUAGES = ("zh", "en")


def _csv_record(lines: list[str], at: int, ref: str) -> tuple[list[str], int]:
    """The CSV record starting at physical line ``at`` (0-based) and how many lines it spans."""
    reader = csv.reader(lines[i] for i in range(at, len(lines)))
    try:
        return next(reader, []), max(reader.line_num, 1)
    except csv.Error as exc:
        raise LabelFileError(f"{ref}: line {at + reader.line_num}: not valid CSV: {exc}") from exc


def _swallowed(row: list[str], lines: list[str], width: int, text_column: int | None) -> bool:
    """Whether a record spanning several lines is an unbalanced quote rather than a quoted
    transcript with line breaks: a line break inside an id or label cell, or a line inside it
    that reads as a whole row by itself (the rows the open quote swallowed)."""
    if any("\n" in c or "\r" in c for i, c in enumerate(row) if i != text_column):
        return True
    return any(len(next(csv.reader([line]), [])) >= width for line in lines[1:])


def _rejected(where: str, problems: list[str]) -> str:
    """One report line for a row rejected whole: what was wrong with it, each problem."""
    said = [p.removeprefix(f"{where}: ").removesuffix(" dropped").rstrip(";") for p in problems]
    return f"{where}: skipped: {'; '.join(said)}"


def read_labels_csv(path: Path, vocab: Vocabulary) -> ParseResult:
    """CSV (UTF-8, BOM allowed): ``external_id``, ``annotator`` and any of ``basic7``,
    ``goemotions`` (";"-joined), ``intensity``, ``language``, ``kind``, ``transcript``.

    A row is taken whole or not at all: one unknown label or bad value rejects the row, and
    the report says each thing wrong with it (a row the annotator corrected further down is
    then the one taken). An unbalanced quote rejects its row only; the lines after it are
    read as rows. Rows are numbered by the line they start on.
    """
    ref = _display(path)
    lines = io.StringIO(_read_text(path), newline="").readlines()
    header, at = _csv_record(lines, 0, ref)
    if not any(cell.strip() for cell in header):
        raise LabelFileError(f"{path}: file is empty (no header row)")
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        columns.setdefault(name.strip().casefold(), i)
    missing = [name for name in ("external_id", "annotator") if name not in columns]
    if missing:
        raise LabelFileError(f"{path}: missing required column(s) {', '.join(missing)}")
    if not any(name in columns for name in _CSV_LABELS):
        raise LabelFileError(f"{path}: no label column (expected any of {', '.join(_CSV_LABELS)})")
    result = ParseResult(
        detected="csv",
        columns={
            name: header[i].strip()
            for name, i in columns.items()
            if name in ("external_id", "annotator", *_CSV_LABELS, "language", "kind", "transcript")
        },
    )
    seen: dict[tuple[str, str], int] = {}
    while at < len(lines):
        number = at + 1
        where = f"{ref}:row {number}"
        row, span = _csv_record(lines, at, ref)
        if span > 1 and _swallowed(
            row, lines[at : at + span], len(header), columns.get("transcript")
        ):
            result.skipped.append(
                f"{where}: skipped: unbalanced quote (its quoted cell runs on over lines "
                f"{number}–{at + span}); the lines after it are read as rows"
            )
            at += 1
            continue
        at += span

        def get(name: str, row: list[str] = row) -> str:
            i = columns.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        if not any(cell.strip() for cell in row):
            continue
        if not _filled(*(get(name) for name in _CSV_LABELS)):
            result.unlabelled += 1
            continue
        external_id, annotator = get("external_id"), get("annotator")
        if not external_id or not annotator:
            result.skipped.append(f"{where}: skipped: external_id and annotator are required")
            continue
        key = (external_id, annotator)
        if key in seen:
            result.skipped.append(
                f"{where}: skipped: {annotator} already labelled {external_id} at row {seen[key]}"
            )
            continue
        kind, language = get("kind").casefold(), get("language").casefold()
        if kind and kind not in _CSV_KINDS:
            result.skipped.append(
                f"{where}: skipped: kind {kind!r} (a CSV row holds clip-level labels; use 'static')"
            )
            continue
        problems: list[str] = []
        if language and language not in _LANGUAGES:
            problems.append(f"language {_show(language)} is not zh or en")
        payload = _labels(
            vocab,
            where,
            problems,
            basic7=get("basic7"),
            goemotions=get("goemotions"),
            intensity=get("intensity") or None,
        )
        if problems:
            result.skipped.append(_rejected(where, problems))
            continue
        seen[key] = number
        clip = ClipRecord(
            external_id=external_id, kind=kind, language=language, transcript=get("transcript")
        )
        result.records.append(LabelRecord(clip, annotator, payload, where))
    return result


# --- several files of one format -----------------------------------------------------------------

FILE_PATTERNS = {"emos-xlsx": "*.xlsx", "emos-streaming": "*/*.emotion.json", "csv": "*.csv"}


def label_files(paths: Iterable[Path], fmt: str) -> list[Path]:
    """The files to read: files as given, folders searched for the format's files."""
    pattern = FILE_PATTERNS[fmt]
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob(pattern)) or sorted(path.glob(pattern.split("/")[-1]))
            if not found:
                raise LabelFileError(f"{path}: no {pattern} files")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise LabelFileError(f"{path}: no such file or folder")
    return files


@dataclass(slots=True)
class LabelFiles:
    files: list[Path] = field(default_factory=list)
    parsed: ParseResult = field(default_factory=ParseResult)

    def report(self) -> dict[str, Any]:
        """What reading said, for the import job's report."""
        return {
            "files": [str(f) for f in self.files],
            "unlabelled_rows": self.parsed.unlabelled,
            "skipped": self.parsed.skipped,
            "clamped": self.parsed.clamped,
        }


def read_label_files(
    files: Iterable[Path],
    fmt: str,
    vocab: Vocabulary,
    *,
    annotator: str = "emos",
    batch: str | None = None,
) -> LabelFiles:
    """Every file read in one format; ``annotator`` names the author of emos-streaming files
    (they name none), ``batch`` overrides the spreadsheets' (their folder)."""
    out = LabelFiles()
    for path in files:
        if fmt == "emos-xlsx":
            part = read_emos_xlsx(path, vocab, batch=batch)
        elif fmt == "emos-streaming":
            part = read_emos_streaming(path, vocab, annotator=annotator)
        else:
            part = read_labels_csv(path, vocab)
        out.files.append(path)
        out.parsed.records += part.records
        out.parsed.unlabelled += part.unlabelled
        out.parsed.skipped += part.skipped
        out.parsed.clamped += part.clamped
    return out
