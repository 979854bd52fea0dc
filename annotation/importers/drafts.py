"""Read model predictions into draft records (pure: no Django; the service validates them).

Two sources: the ``score`` command's predictions (JSONL or CSV, one clip a record, read by
``exports.pipeline.evaluation.read_rows``), whose keys named after the project's layers become
the draft's payload (CSV: multi-label cells ``;``-joined, ordinal cells whole numbers; JSONL
may carry ``segments`` for a streaming clip); and EmoS ``<film>.emotion.json`` files, which
EmoS drafted with a model, read by the label importer's parser (segments with their cue and
evidence text; the film's ``summary`` and trend kept as the draft's ``meta``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.domain.layers import layer_type
from annotation.importers.labels import (
    EMOS_SUFFIX,
    LabelFileError,
    Vocabulary,
    read_emos_streaming,
)
from exports.pipeline.evaluation import read_rows
from exports.pipeline.messages import PipelineError


@dataclass(slots=True)
class DraftRecord:
    clip_id: str  # the clip's external id
    payload: dict[str, Any]  # not validated yet
    source_ref: str  # "preds.jsonl:line 3"
    meta: dict[str, Any] = field(default_factory=dict)
    time_resolution_s: float = 0.0  # as ``LabelRecord``'s: ends may be clamped by this much


class DraftFileError(ValueError):
    """A file that cannot be read, or a record in it that is not a draft; says where."""


def _cell(layer: Mapping[str, Any], raw: str, where: str) -> Any:
    """A CSV cell as the payload value its layer takes (read as its type's importers do)."""
    reader = layer_type(layer["type"]).import_reader
    if reader == "labels":
        return [part.strip() for part in raw.split(";") if part.strip()]
    if reader == "number":
        try:
            return int(raw)
        except ValueError:
            raise DraftFileError(f"{where}: {layer['name']}: not a whole number: {raw!r}") from None
    return raw


def _prediction(
    obj: Any, layers: Mapping[str, Mapping[str, Any]], is_csv: bool, where: str
) -> DraftRecord:
    if not isinstance(obj, dict):
        raise DraftFileError(f"{where}: expected a JSON object")
    clip_id = obj.get("clip_id")
    if not isinstance(clip_id, str) or not clip_id.strip():
        raise DraftFileError(f"{where}: clip_id: must be a non-empty string")
    payload: dict[str, Any] = {}
    for name, layer in layers.items():
        value = obj.get(name)
        if value is not None:
            payload[name] = _cell(layer, value, where) if is_csv else value
    if not is_csv and "segments" in obj:
        payload["segments"] = obj["segments"]
    if not payload:
        raise DraftFileError(f"{where}: no label of the project's layers ({', '.join(layers)})")
    return DraftRecord(clip_id.strip(), payload, where)


def read_predictions_file(path: Path, schema: Mapping[str, Any]) -> list[DraftRecord]:
    """One JSONL or CSV predictions file."""
    try:
        is_csv, rows = read_rows(path)
    except PipelineError as exc:
        raise DraftFileError(str(exc)) from exc
    layers = {layer["name"]: layer for layer in schema["layers"]}
    # A clip twice (in this file or across files) is refused by ``read_draft_files``.
    return [_prediction(obj, layers, is_csv, f"{path.name}:line {line}") for line, obj in rows]


def read_emos_file(path: Path, vocab: Vocabulary, notes: list[str]) -> list[DraftRecord]:
    """One film's ``emotion.json`` (or its folder). What the parser dropped (EmoS's model
    wrote GoEmotions labels outside the set: "determination", "despair") goes to ``notes``,
    as the label import reports it: the run keeps them."""
    try:
        parsed = read_emos_streaming(path, vocab, annotator="model")
    except LabelFileError as exc:
        raise DraftFileError(str(exc)) from exc
    notes += parsed.skipped + parsed.clamped
    return [
        DraftRecord(
            record.clip.external_id,
            record.payload,
            record.source_ref,
            meta=record.clip.meta,
            time_resolution_s=record.time_resolution_s,
        )
        for record in parsed.records
    ]


def read_draft_files(
    paths: list[Path], schema: Mapping[str, Any]
) -> tuple[list[DraftRecord], list[str]]:
    """Every file's drafts, and notes on what EmoS files had that a draft cannot hold. EmoS
    ``emotion.json`` files (or film folders) and predictions files may be mixed; a clip in
    two files is an error."""
    vocab = Vocabulary.from_schema(schema)
    records: list[DraftRecord] = []
    notes: list[str] = []
    for path in paths:
        if path.is_dir() or path.name.endswith(EMOS_SUFFIX):
            records += read_emos_file(path, vocab, notes)
        elif path.is_file():
            records += read_predictions_file(path, schema)
        else:
            raise DraftFileError(f"{path}: no such file or folder")
    seen: dict[str, str] = {}
    for record in records:
        if record.clip_id in seen:
            raise DraftFileError(
                f"{record.source_ref}: clip {record.clip_id!r} again (first at "
                f"{seen[record.clip_id]})"
            )
        seen[record.clip_id] = record.source_ref
    return records, notes
