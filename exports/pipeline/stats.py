"""Counts the dataset card and the plots share: label distributions and confusion."""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from exports.pipeline.selection import Selection, primary_label


@dataclass(frozen=True)
class Distribution:
    labels: list[str]  # row order
    languages: list[str]
    counts: dict[str, Counter[str]]  # language -> label -> count


def _languages(sel: Selection) -> list[str]:
    return sorted({c.language for c in sel.clips})


def primary_distribution(sel: Selection) -> Distribution:
    """Gold primary label (streaming clips: the one covering most time) by language; clips
    without one count as "(none)"."""
    counts: dict[str, Counter[str]] = {lang: Counter() for lang in _languages(sel)}
    for clip in sel.clips:
        label = primary_label(sel.gold[clip.clip_id].payload, sel.schema, fallback=False)
        counts[clip.language][label or "(none)"] += 1
    seen = {label for c in counts.values() for label in c}
    order = [v for v in sel.schema.order(sel.schema.primary) if v in seen]
    order += sorted(seen - set(order))
    return Distribution(order, _languages(sel), counts)


def secondary_distribution(sel: Selection, top: int = 10) -> Distribution:
    """Clips whose gold has each secondary (GoEmotions) label, by language; the most frequent
    ``top`` labels (ties in schema order). Streaming clips count a label once if any segment
    has it."""
    layer = sel.schema.secondary or ""
    counts: dict[str, Counter[str]] = {lang: Counter() for lang in _languages(sel)}
    for clip in sel.clips:
        payload = sel.gold[clip.clip_id].payload
        found: set[str] = set()
        for part in payload.get("segments", [payload]):
            value = part.get(layer)
            if isinstance(value, list):
                found.update(str(v) for v in value)
        counts[clip.language].update(found)
    total: Counter[str] = sum(counts.values(), Counter())
    rank = {v: i for i, v in enumerate(sel.schema.order(layer))}
    order = sorted(total, key=lambda v: (-total[v], rank.get(v, len(rank)), v))[:top]
    return Distribution(order, _languages(sel), counts)


@dataclass(frozen=True)
class Confusion:
    gold: list[str]  # rows
    answers: list[str]  # columns
    counts: npt.NDArray[np.int64]


def annotator_confusion(sel: Selection) -> Confusion:
    """Latest first-layer primary answers (columns) against the gold primary label (rows),
    static clips whose gold has a primary label."""
    layer = sel.schema.primary or ""
    pairs: list[tuple[str, str]] = []
    for clip in sel.clips:
        gold = sel.gold[clip.clip_id].payload.get(layer)
        if clip.kind == "stream" or not isinstance(gold, str):
            continue
        for row in sel.latest.get(clip.clip_id, []):
            answer = row.payload.get(layer)
            if isinstance(answer, str):
                pairs.append((gold, answer))
    order = list(sel.schema.order(layer))
    extra = sorted({v for pair in pairs for v in pair} - set(order))
    seen_gold = {g for g, _ in pairs}
    seen_answer = {a for _, a in pairs}
    rows = [v for v in order + extra if v in seen_gold]
    columns = [v for v in order + extra if v in seen_answer]
    counts = np.zeros((len(rows), len(columns)), dtype=np.int64)
    at_row = {v: i for i, v in enumerate(rows)}
    at_column = {v: i for i, v in enumerate(columns)}
    for (g, a), n in Counter(pairs).items():
        counts[at_row[g], at_column[a]] = n
    return Confusion(rows, columns, counts)
