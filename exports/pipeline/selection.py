"""Which clips a release holds, and the per-clip facts every writer shares.

A clip is in the release when its gold passes the options' filters (provenance in
``options.provenances``; tier in ``options.tiers`` — an empty tier, a human decision without
an automatic tier, counts as "high"). Labels, traces and agreement rows of other clips are left
out. Rows are sorted so every writer sees them in one order.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any

import numpy as np

from annotation.domain.schema import LabelSchema
from exports.pipeline.data import (
    ClipAgreementRow,
    ClipRow,
    GoldRow,
    LabelRow,
    ReleaseData,
    TraceRow,
)


def effective_tier(gold: GoldRow) -> str:
    return gold.tier or "high"


def passes(gold: GoldRow, data: ReleaseData) -> bool:
    return (
        gold.provenance in data.options.provenances and effective_tier(gold) in data.options.tiers
    )


def _weighted_top(weights: dict[str, float], order: tuple[str, ...]) -> str:
    if not weights:
        return ""
    rank = {value: i for i, value in enumerate(order)}
    return min(weights, key=lambda v: (-round(weights[v], 9), rank.get(v, len(rank)), v))


def primary_label(payload: dict[str, Any], schema: LabelSchema, *, fallback: bool = True) -> str:
    """The clip's label for stratification, plots and summaries: the primary (Basic-7) label;
    failing that (with ``fallback``) the first secondary (GoEmotions) label. For a streaming
    clip, the label covering most time over its segments (ties in schema order)."""
    primary, secondary = schema.primary or "", schema.secondary or ""
    segments = payload.get("segments")
    if isinstance(segments, list):
        roles = ((primary, False), (secondary, True)) if fallback else ((primary, False),)
        for key, pick_first in roles:
            weights: dict[str, float] = defaultdict(float)
            for seg in segments:
                value = seg.get(key)
                if pick_first and isinstance(value, list):
                    value = value[0] if value else None
                if isinstance(value, str) and value:
                    weights[value] += max(float(seg["end"]) - float(seg["start"]), 0.0)
            top = _weighted_top(dict(weights), schema.order(key))
            if top:
                return top
        return ""
    value = payload.get(primary)
    if isinstance(value, str) and value:
        return value
    labels = payload.get(secondary) if fallback else None
    if isinstance(labels, list) and labels:
        return str(labels[0])
    return ""


def group_key(clip: ClipRow) -> str:
    """Clips sharing a source video (else a speaker) never go to different splits."""
    if clip.source_video:
        return f"video:{clip.source_video}"
    if clip.speaker:
        return f"speaker:{clip.speaker}"
    return f"clip:{clip.clip_id}"


@dataclass(frozen=True)
class Selection:
    schema: LabelSchema
    clips: list[ClipRow]  # sorted by clip id
    gold: dict[str, GoldRow]
    labels: list[LabelRow]  # every revision, sorted by clip, annotator, revision
    latest: dict[str, list[LabelRow]]  # clip id -> the latest revision of each annotator
    agreement: list[ClipAgreementRow]
    traces: list[TraceRow]  # raters then gold, sorted by clip and annotator
    primary: dict[str, str]  # clip id -> primary label ("" when none)
    aggregator: str  # majority | dawid_skene
    # Every first-layer label of every clip, gold or not (the hard cases too), and each
    # clip's stage, sorted like ``labels``.
    all_labels: list[LabelRow] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)

    @property
    def clip_ids(self) -> list[str]:
        return [clip.clip_id for clip in self.clips]


def _unique(ids: list[str], what: str) -> None:
    repeated = sorted(k for k, n in Counter(ids).items() if n > 1)
    if repeated:
        raise ValueError(f"{what} repeated for clip(s): {', '.join(repeated[:5])}")


def select(data: ReleaseData) -> Selection:
    schema = LabelSchema.parse(data.label_schema)
    _unique([c.clip_id for c in data.clips], "clip")
    _unique([g.clip_id for g in data.gold], "gold")
    known = {c.clip_id for c in data.clips}
    stray = sorted({g.clip_id for g in data.gold} - known)
    if stray:
        raise ValueError(f"gold for unknown clip(s): {', '.join(stray[:5])}")
    gold = {g.clip_id: g for g in data.gold if passes(g, data)}
    clips = sorted((c for c in data.clips if c.clip_id in gold), key=attrgetter("clip_id"))
    all_labels = sorted(
        (row for row in data.labels if row.clip_id in known),
        key=attrgetter("clip_id", "annotator", "revision"),
    )
    labels = [row for row in all_labels if row.clip_id in gold]
    # Sorted: the last one per pair is the latest revision; pairs stay in (clip, annotator) order.
    latest_by_pair = {(row.clip_id, row.annotator): row for row in labels}
    latest = {
        clip_id: list(rows)
        for clip_id, rows in groupby(latest_by_pair.values(), key=attrgetter("clip_id"))
    }
    agreement = sorted((a for a in data.agreement if a.clip_id in gold), key=lambda a: a.clip_id)
    _unique([a.clip_id for a in agreement], "agreement")
    raters = [t for t in data.traces if t.clip_id in gold and t.annotator != "gold"]
    golds = [t for t in data.gold_traces if t.clip_id in gold]
    traces = sorted(raters, key=lambda t: (t.clip_id, t.annotator))
    traces += sorted(
        (TraceRow(t.clip_id, "gold", t.rate_hz, t.dimensions, t.samples) for t in golds),
        key=lambda t: t.clip_id,
    )
    _unique([f"{t.clip_id} ({t.annotator})" for t in traces], "trace")
    for t in traces:
        shape = np.shape(t.samples)
        if len(shape) != 2 or shape[1] != len(t.dimensions) or not t.rate_hz > 0:
            raise ValueError(
                f"trace of {t.clip_id!r} by {t.annotator}: samples {shape} do not match "
                f"dimensions {t.dimensions} (or the rate is not positive)"
            )
    primary = {c.clip_id: primary_label(gold[c.clip_id].payload, schema) for c in clips}
    return Selection(
        schema=schema,
        clips=clips,
        gold=gold,
        labels=labels,
        latest=latest,
        agreement=agreement,
        traces=sorted(traces, key=lambda t: (t.clip_id, t.annotator == "gold", t.annotator)),
        primary=primary,
        aggregator=data.aggregator,
        all_labels=all_labels,
        stages={c.clip_id: c.stage for c in data.clips},
    )
