"""The release tables (the "dataset" stage): columns with types and descriptions, rows sorted.

Column types: ``string``, ``int64``, ``float64``, ``float32``, ``bool``, ``list<string>`` and
``json`` (a JSON string in Parquet, a nested value in JSONL). Label layers become one column
each (single → string, multi → list of strings, ordinal → integer), named after the layer.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from annotation.domain.layers import layer_type
from annotation.domain.schema import LabelSchema
from exports.pipeline.data import ClipRow, LabelRow, ModelDraftRow
from exports.pipeline.jsonfmt import clean
from exports.pipeline.messages import PipelineError, gettext_noop
from exports.pipeline.selection import Selection

SEGMENT_TEXT = ("speaker", "transcript", "transcript_en", "transcript_zh")
# Rows per batch: tables stream through the writers a batch at a time, never whole.
BATCH = 1 << 16

# Column name -> values (a list, a NumPy array, or an Arrow array) of one batch of rows.
Batch = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass
class Table:
    """A table's columns and its rows as batches, produced lazily as the writer asks; the
    writer counts the rows into ``n_rows``."""

    name: str
    description: str
    columns: list[Column]
    batches: Iterable[Batch] = ()
    jsonl: bool = True  # also written as JSONL
    n_rows: int = 0


T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _attributes(items: Sequence[Any], *names: str) -> Batch:
    """A column per attribute of the items."""
    return {name: list(map(attrgetter(name), items)) for name in names}


def _row_batches(
    columns: list[Column], items: Sequence[Any], row: Callable[[Any], dict[str, Any]]
) -> Iterator[Batch]:
    """Batches of the rows ``row(item)`` makes (the small tables, built row by row)."""
    for chunk in _chunks(items):
        rows = [row(item) for item in chunk]
        yield {c.name: [r.get(c.name) for r in rows] for c in columns}


@dataclass(frozen=True)
class Media:
    path: str | None  # relative to the release ("media/…") when included, else as given
    sha256: str | None
    size: int | None


def _layer_columns(schema: LabelSchema, reserved: set[str]) -> list[Column]:
    """Each layer's columns, as its type publishes it (``LayerType.release_columns``)."""
    columns = []
    for layer in schema:
        for column in layer_type(layer.type).release_columns(layer):
            if column.name in reserved:
                raise PipelineError(
                    gettext_noop("label layer %(name)s clashes with a release column"),
                    name=repr(column.name),
                )
            columns.append(Column(column.name, column.type, column.description))
    return columns


def _layer_columns_of(schema: LabelSchema, payloads: Sequence[dict[str, Any]]) -> Batch:
    """The layers' cells of each payload (null where a value is not publishable)."""
    out: Batch = {}
    for layer in schema:
        kind = layer_type(layer.type)
        values = [p.get(layer.name) for p in payloads]
        cells = kind.release_column_cells(layer, values)
        out.update(zip((c.name for c in kind.release_columns(layer)), cells, strict=True))
    return out


def _segments(payload: dict[str, Any]) -> Any:
    segments = payload.get("segments")
    return segments if isinstance(segments, list) else None


def _segments_column(payloads: Sequence[dict[str, Any]]) -> list[Any]:
    return [clean(v) if isinstance(v := p.get("segments"), list) else None for p in payloads]


CLIP_COLUMNS = [
    Column("clip_id", "string", "external clip id"),
    Column("kind", "string", "static (one label per clip) or stream (utterance segments)"),
    Column("language", "string", "spoken language: zh or en"),
    Column("duration_s", "float64", "media duration in seconds"),
    Column("transcript", "string", "transcript of the clip"),
    Column("speaker", "string", "speaker name, when known"),
    Column("source_video", "string", "video the clip was cut from (never in two splits)"),
    Column("batch", "string", "annotation batch"),
    Column("split", "string", "train, validation or test"),
    Column("reference_segments", "json", "reference utterances: index, start, end, text, speaker"),
    Column(
        "source_meta",
        "json",
        "what the source said of the clip: CH-SIMS v2 video_id, clip_id, mode and sentiment; "
        "MELD's own Emotion, ids and clock; an EmoS film's summary, trend and sentence-file fields",
    ),
    Column(
        "media_path", "string", "media file: `media/<name>.mp4` when included, else the source path"
    ),
    Column("media_sha256", "string", "SHA-256 of the media file"),
    Column("media_bytes", "int64", "size of the media file in bytes"),
]


def _reference(clip: ClipRow) -> Any:
    reference = [
        {
            "index": s.get("index"),
            "start": s.get("start_s"),
            "end": s.get("end_s"),
            "text": s.get("text", ""),
            "speaker": s.get("speaker", ""),
        }
        for s in clip.segments
    ]
    return clean(reference) if reference else None


def clips_table(sel: Selection, splits: dict[str, str], media: dict[str, Media]) -> Table:
    none = Media(None, None, None)

    def batches() -> Iterator[Batch]:
        for clips in _chunks(sel.clips):
            files = [media.get(clip.clip_id, none) for clip in clips]
            yield {
                **_attributes(
                    clips, "clip_id", "kind", "language", "transcript", "speaker", "source_video"
                ),
                "batch": [clip.batch for clip in clips],
                "duration_s": [clean(clip.duration_s) for clip in clips],
                "split": [splits[clip.clip_id] for clip in clips],
                "reference_segments": [_reference(clip) for clip in clips],
                "source_meta": [clean(clip.meta) if clip.meta else None for clip in clips],
                "media_path": [m.path for m in files],
                "media_sha256": [m.sha256 for m in files],
                "media_bytes": [m.size for m in files],
            }

    return Table("clips", "one row per clip", CLIP_COLUMNS, batches())


def _latest(rows: Sequence[LabelRow]) -> list[bool]:
    """Whether each row is its annotator's latest revision of the clip. Rows are sorted by
    clip, annotator and revision: the latest is the last revision of each pair's run."""
    flags: list[bool] = []
    clip_id = annotator = top = None
    for row in reversed(rows):
        if row.clip_id != clip_id or row.annotator != annotator:
            clip_id, annotator, top = row.clip_id, row.annotator, row.revision
        flags.append(row.revision == top)
    flags.reverse()
    return flags


def labels_table(sel: Selection, *, every_clip: bool = False) -> Table:
    """The first-layer labels of the release's clips; ``every_clip``: of every clip of the
    project with its stage (``labels_all``), so the disputed ones — the hard cases — are
    published too."""
    fixed = [
        Column("clip_id", "string", "clip id"),
        *([Column("stage", "string", "the clip's stage: layer1, disputed, adjudication or gold")]
          if every_clip else []),
        Column("annotator", "string", "annotator pseudonym"),
        Column("revision", "int64", "revision of this annotator's label (1 = first)"),
        Column("latest", "bool", "whether this is the annotator's latest revision"),
        Column("submitted_at", "string", "submission time (ISO 8601)"),
    ]  # fmt: skip
    tail = [
        Column("segments", "json", "streaming clips: the annotator's utterance segments"),
        Column("note", "string", "the annotator's note"),
    ]
    layers = _layer_columns(sel.schema, {c.name for c in fixed + tail})
    source = sel.all_labels if every_clip else sel.labels
    columns = fixed + layers + tail

    def batches() -> Iterator[Batch]:
        for chunk, latest in zip(_chunks(source), _chunks(_latest(source)), strict=True):
            payloads = [r.payload for r in chunk]
            yield {
                **_attributes(chunk, "clip_id", "annotator", "revision", "submitted_at"),
                **({"stage": [sel.stages.get(r.clip_id, "") for r in chunk]} if every_clip else {}),
                "latest": latest,
                **_layer_columns_of(sel.schema, payloads),
                "segments": _segments_column(payloads),
                "note": [p.get("note") for p in payloads],
            }

    if every_clip:
        return Table(
            "labels_all",
            "raw first-layer labels of every clip, gold or not, every revision",
            columns,
            batches(),
        )
    return Table("labels", "raw first-layer labels, every revision", columns, batches())


# What ``confidence`` is, by the routing rule's aggregator (annotation/routing.py).
SHARE = (
    "share of the first-layer annotators giving the aggregate's primary label (streaming: "
    "mean over the reference utterances)"
)
CONFIDENCE = {
    "majority": SHARE,
    "dawid_skene": (
        "Dawid–Skene posterior of the primary label where the model scored the clip (static "
        f"clips), else the {SHARE}"
    ),
}


def confidence_description(sel: Selection) -> str:
    return CONFIDENCE.get(sel.aggregator, CONFIDENCE["majority"])


def gold_table(
    sel: Selection, splits: dict[str, str], clip_ids: Sequence[str] | None = None
) -> Table:
    """The gold of the release's clips (of ``clip_ids`` of them when given, in that order)."""
    fixed = [
        Column("clip_id", "string", "clip id"),
        Column("split", "string", "train, validation or test"),
        Column("primary_label", "string", "primary label (streaming: most time over segments)"),
    ]
    tail = [
        Column("segments", "json", "streaming clips: gold utterance segments"),
        Column("note", "string", "note of the gold decision (streaming: clip summary)"),
        Column("provenance", "string", "unanimous, majority, model_confident or adjudicated"),
        Column(
            "confidence",
            "float64",
            f"{confidence_description(sel)}; empty for an adjudicated decision",
        ),
        Column("tier", "string", "high, medium, low, or empty for a human decision"),
        Column("version", "int64", "gold version of the clip"),
        Column("rationale", "string", "adjudicator's rationale"),
        Column("decided_at", "string", "decision time (ISO 8601)"),
        Column("n_annotators", "int64", "first-layer annotators of the clip"),
    ]
    layers = _layer_columns(sel.schema, {c.name for c in fixed + tail})
    columns = fixed + layers + tail

    def batches() -> Iterator[Batch]:
        for chunk in _chunks(sel.clip_ids if clip_ids is None else clip_ids):
            golds = [sel.gold[clip_id] for clip_id in chunk]
            payloads = [g.payload for g in golds]
            yield {
                "clip_id": chunk,
                "split": [splits[clip_id] for clip_id in chunk],
                "primary_label": [sel.primary[clip_id] for clip_id in chunk],
                **_layer_columns_of(sel.schema, payloads),
                "segments": _segments_column(payloads),
                "note": [p.get("note") for p in payloads],
                **_attributes(golds, "provenance", "tier", "version", "rationale", "decided_at"),
                "confidence": [clean(g.confidence) for g in golds],
                "n_annotators": [len(sel.latest.get(clip_id, ())) for clip_id in chunk],
            }

    return Table("gold", "gold label per clip", columns, batches())


def segments_table(sel: Selection) -> Table:
    s = sel.schema
    text = [*SEGMENT_TEXT, *(f for f in s.text_fields if f not in SEGMENT_TEXT)]
    columns = [
        Column("clip_id", "string", "clip id"),
        Column("index", "int64", "utterance number within the clip, from 0"),
        Column("start", "float64", "start in seconds"),
        Column("end", "float64", "end in seconds"),
        Column("primary", "string", f"primary label ({s.primary})"),
        Column("secondary", "list<string>", f"secondary labels ({s.secondary})"),
        Column("intensity", "int64", f"intensity ({s.intensity})"),
        *(Column(name, "string", f"utterance {name.replace('_', ' ')}") for name in text),
    ]
    rows = []
    for clip_id in sel.clip_ids:
        for i, seg in enumerate(_segments(sel.gold[clip_id].payload) or []):
            secondary = seg.get(s.secondary or "")
            intensity = seg.get(s.intensity or "")
            primary = seg.get(s.primary or "")
            rows.append(
                {
                    "clip_id": clip_id,
                    "index": i,
                    "start": clean(float(seg["start"])),
                    "end": clean(float(seg["end"])),
                    "primary": primary if isinstance(primary, str) else None,
                    "secondary": list(secondary) if isinstance(secondary, list) else None,
                    "intensity": intensity if isinstance(intensity, int) else None,
                    **{name: seg.get(name) for name in text},
                }
            )
    return Table(
        "segments",
        "gold utterance segments of streaming clips",
        columns,
        _row_batches(columns, rows, dict),
    )


def agreement_table(sel: Selection) -> Table:
    columns = [
        Column("clip_id", "string", "clip id"),
        Column("tier", "string", "agreement tier: high, medium or low"),
        Column("confidence", "float64", confidence_description(sel)),
        Column("n_distinct", "int64", "distinct first-layer answers"),
        Column("metrics", "json", "per-clip agreement figures"),
    ]

    def row(a: Any) -> dict[str, Any]:
        return {
            "clip_id": a.clip_id,
            "tier": a.tier,
            "confidence": clean(a.confidence),
            "n_distinct": a.n_distinct,
            "metrics": clean(a.metrics),
        }

    return Table(
        "agreement",
        "per-clip first-layer agreement",
        columns,
        _row_batches(columns, sel.agreement, row),
    )


def traces_table(sel: Selection, dimensions: list[str]) -> Table:
    """Long format, one row per sample: t = sample index / rate. Samples where every dimension
    is missing (gaps) are dropped; a single missing dimension is null."""
    columns = [
        Column("clip_id", "string", "clip id"),
        Column("annotator", "string", "annotator pseudonym, or gold (evaluator-weighted)"),
        Column("t", "float64", "time in seconds from the clip start"),
        *(Column(d, "float32", f"{d} rating") for d in dimensions),
    ]

    def batches() -> Iterator[Batch]:
        for trace in sel.traces:
            samples = np.asarray(trace.samples, dtype=np.float32).reshape(len(trace.samples), -1)
            keep = ~np.all(np.isnan(samples), axis=1) if samples.size else np.zeros(0, bool)
            index = np.flatnonzero(keep)
            where = {name: i for i, name in enumerate(trace.dimensions)}
            yield {
                "clip_id": pa.repeat(pa.scalar(trace.clip_id, pa.string()), index.size),
                "annotator": pa.repeat(pa.scalar(trace.annotator, pa.string()), index.size),
                "t": np.round(index / float(trace.rate_hz), 6),
                **{
                    d: samples[index, where[d]] if d in where else np.full(index.size, np.nan)
                    for d in dimensions
                },
            }

    return Table("traces", "continuous ratings, long format", columns, batches(), jsonl=False)


def model_drafts_table(sel: Selection, drafts: Sequence[ModelDraftRow]) -> Table:
    """Model drafts of the release's clips, one row per run and clip, with the run's
    provenance: a machine's labels, kept apart from the people's and from gold."""
    fixed = [
        Column("clip_id", "string", "clip id"),
        Column("run_id", "int64", "the model run (one import of one model's predictions)"),
        Column("model_name", "string", "the model"),
        Column("model_version", "string", "the model's version"),
        Column("config_id", "string", "the prompt or configuration the model ran with"),
        Column("run_date", "string", "when the model ran (ISO 8601), if known"),
    ]
    tail = [
        Column("segments", "json", "streaming clips: the model's utterance segments"),
        Column(
            "source_meta",
            "json",
            "what the model's file said beyond the labels: an EmoS film's summary and trend, "
            "and per segment the speaker guess and transcripts",
        ),
    ]
    layers = _layer_columns(sel.schema, {c.name for c in fixed + tail})
    kept = set(sel.clip_ids)
    rows = sorted((d for d in drafts if d.clip_id in kept), key=attrgetter("clip_id", "run_id"))

    def batches() -> Iterator[Batch]:
        for chunk in _chunks(rows):
            payloads = [d.payload for d in chunk]
            yield {
                **_attributes(chunk, "clip_id", "run_id", "model_name", "model_version",
                              "config_id", "run_date"),
                **_layer_columns_of(sel.schema, payloads),
                "segments": _segments_column(payloads),
                "source_meta": [clean(d.meta) if d.meta else None for d in chunk],
            }  # fmt: skip

    return Table(
        "model_drafts",
        "model drafts (pre-annotations) with their run's provenance; not labels, not gold",
        fixed + layers + tail,
        batches(),
    )
