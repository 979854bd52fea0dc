"""The EmoS-compatible layout under ``emos/``.

- ``<primary>_{high,medium,low}.jsonl`` (``basic7_high.jsonl`` …): static clips' gold primary
  label per tier — ``{"clip_id", "label", "confidence"}``; an empty tier counts as high.
- ``<secondary>_soft.jsonl`` (``goemotions_soft.jsonl``): static clips' soft labels from the
  latest first-layer answers, p_k = n_k / n in schema order (``"Unsure"`` counts as an answer)
  — ``{"clip_id", "n", "soft": {label: p_k}}``.
- ``streaming/<name>/<name>.emotion.json`` for each streaming clip, EmoS's folder layout, plain
  JSON (no Markdown fence): ``summary`` (the gold note, else the imported film's summary),
  ``overall_emotion_trend`` (the imported film's, else made from the gold) and the
  ``utterances`` from the gold segments; plus
  ``sentence_level_timestamps.json`` with the reference utterances (and the imported sentence
  file's fields) when the clip has them. ``streaming_index.jsonl`` maps clip ids to folders.
  Times are whole seconds "MM:SS-MM:SS", rounded half up; a span that rounds to nothing ends
  one second after it starts; an end the import cut at the film's end is written as the
  source wrote it ("01:21" for a film of 80.34 s). Exact times are in ``data/segments``.
"""

import math
from pathlib import Path
from typing import Any

from annotation.domain.schema import LabelSchema
from exports.pipeline.data import TIERS, ClipRow
from exports.pipeline.selection import Selection, effective_tier
from exports.pipeline.writers import write_json, write_jsonl_rows


def clock(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _round(seconds: float) -> int:
    return max(0, math.floor(seconds + 0.5))


def timestamp_range(start: float, end: float) -> str:
    a, b = _round(start), _round(end)
    return f"{clock(a)}-{clock(max(b, a + 1))}"


def _overlapping(clip: ClipRow, start: float, end: float) -> list[dict[str, Any]]:
    """Reference utterances whose midpoint falls in [start, end)."""
    out = []
    for ref in clip.segments:
        a, b = ref.get("start_s"), ref.get("end_s")
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            continue
        if start <= (a + b) / 2 < end:
            out.append(ref)
    return out


def _transcripts(seg: dict[str, Any], clip: ClipRow) -> dict[str, str]:
    out = {lang: str(seg.get(f"transcript_{lang}") or "") for lang in ("zh", "en")}
    spoken = clip.language if clip.language in out else ""
    if spoken and not out[spoken]:
        text = str(seg.get("transcript") or "")
        if not text:
            refs = _overlapping(clip, float(seg["start"]), float(seg["end"]))
            text = ("" if spoken == "zh" else " ").join(str(r.get("text", "")) for r in refs)
        out[spoken] = text.strip()
    return out


def _speaker(seg: dict[str, Any], clip: ClipRow) -> str:
    if seg.get("speaker"):
        return str(seg["speaker"])
    refs = _overlapping(clip, float(seg["start"]), float(seg["end"]))
    names = sorted({str(r["speaker"]) for r in refs if r.get("speaker")})
    return "/".join(names) or clip.speaker


def _source_end(clip: ClipRow, start: float, end: float) -> float:
    """The end the source wrote for a segment the import cut at the clip's end."""
    for cut in clip.meta.get("clamped_ends") or []:
        if isinstance(cut, dict) and (cut.get("start"), cut.get("clamped_to")) == (start, end):
            return float(cut["end"])
    return end


def utterance(seg: dict[str, Any], clip: ClipRow, schema: LabelSchema) -> dict[str, Any]:
    text = _transcripts(seg, clip)
    start = float(seg["start"])
    primary = seg.get(schema.primary or "")
    secondary = seg.get(schema.secondary or "")
    intensity = seg.get(schema.intensity or "")
    return {
        "timestamp_range": timestamp_range(start, _source_end(clip, start, float(seg["end"]))),
        "speaker_guess": _speaker(seg, clip),
        "transcript_zh": text["zh"],
        "transcript_en": text["en"],
        "emotion_primary": schema.bilingual(schema.primary, primary)
        if isinstance(primary, str)
        else "",
        "emotion_secondary": list(secondary) if isinstance(secondary, list) else [],
        "intensity": intensity if isinstance(intensity, int) else None,
        "audio_cues": str(seg.get("audio_cues") or ""),
        "visual_cues": str(seg.get("visual_cues") or ""),
        "evidence": str(seg.get("evidence") or ""),
    }


def _trajectory(utterances: list[dict[str, Any]]) -> str:
    runs: list[list[str]] = []  # [start, end, label]
    for utt in utterances:
        start, end = utt["timestamp_range"].split("-")
        if runs and runs[-1][2] == utt["emotion_primary"]:
            runs[-1][1] = end
        else:
            runs.append([start, end, utt["emotion_primary"]])
    return " → ".join(f"{a}-{b} {label}" for a, b, label in runs)


def _trend(
    clip: ClipRow, utterances: list[dict[str, Any]], primary: str, schema: LabelSchema
) -> Any:
    """The imported film's trend, its authors' reading of the film (like its summary; their
    dominant emotion need not be the one covering most time); made from the gold for a film
    that came without one."""
    source = clip.meta.get("overall_emotion_trend")
    if isinstance(source, dict):
        return source
    return {
        "dominant": schema.bilingual(schema.primary, primary) if primary else "",
        "trajectory": _trajectory(utterances),
    }


def emotion_file(clip: ClipRow, payload: dict[str, Any], primary: str, schema: LabelSchema) -> Any:
    utterances = [utterance(seg, clip, schema) for seg in payload.get("segments", [])]
    return {
        "summary": str(payload.get("note") or clip.meta.get("summary") or ""),
        "overall_emotion_trend": _trend(clip, utterances, primary, schema),
        "utterances": utterances,
    }


def sentence_file(clip: ClipRow) -> dict[str, Any]:
    segments = []
    for i, ref in enumerate(clip.segments, start=1):
        entry: dict[str, Any] = {
            "index": ref.get("index", i),
            "start": ref.get("start_s"),
            "end": ref.get("end_s"),
            "text": ref.get("text", ""),
        }
        if ref.get("speaker"):
            entry["speaker"] = ref["speaker"]
        segments.append(entry)
    # An imported sentence file's fields (film, source_rel, t_start_global, clip...) go back
    # as they came; the clip's own facts fill what it did not say.
    source = clip.meta.get("emos")
    return {
        "lang": clip.language,
        "film": clip.clip_id,
        "duration": clip.duration_s,
        **(source if isinstance(source, dict) else {}),
        "segments": segments,
    }


def soft_labels(sel: Selection, clip_id: str, rank: dict[str, int]) -> dict[str, Any] | None:
    """``rank``: the secondary layer's labels in schema order (``LabelSchema.order``) by
    position; other labels follow, sorted."""
    layer = sel.schema.secondary or ""
    answers: list[list[Any]] = [
        a for r in sel.latest.get(clip_id, ()) if isinstance(a := r.payload.get(layer), list) and a
    ]
    if not answers:
        return None
    counts: dict[Any, int] = {}
    for answer in answers:
        for label in set(answer):
            counts[label] = counts.get(label, 0) + 1
    unknown = len(rank)  # after the known labels, sorted among themselves
    order = sorted(counts, key=lambda v: (rank[v], "") if v in rank else (unknown, v))
    n = len(answers)
    return {"clip_id": clip_id, "n": n, "soft": {v: counts[v] / n for v in order}}


def write_emos(sel: Selection, out_dir: Path, names: dict[str, str]) -> list[Path]:
    root = out_dir / "emos"
    primary_layer = sel.schema.primary or "basic7"
    per_tier: dict[str, list[dict[str, Any]]] = {t: [] for t in TIERS}
    soft: list[dict[str, Any]] = []
    written: list[Path] = []
    index: list[dict[str, Any]] = []
    rank = {v: i for i, v in enumerate(sel.schema.order(sel.schema.secondary))}
    for clip in sel.clips:
        gold = sel.gold[clip.clip_id]
        if clip.kind == "stream":
            name = names[clip.clip_id]
            folder = root / "streaming" / name
            data = emotion_file(clip, gold.payload, sel.primary[clip.clip_id], sel.schema)
            written.append(write_json(folder / f"{name}.emotion.json", data))
            entry = {"clip_id": clip.clip_id, "folder": f"streaming/{name}"}
            if clip.segments:
                written.append(
                    write_json(folder / "sentence_level_timestamps.json", sentence_file(clip))
                )
            index.append(entry)
            continue
        label = gold.payload.get(primary_layer)
        if isinstance(label, str) and label:
            per_tier[effective_tier(gold)].append(
                {"clip_id": clip.clip_id, "label": label, "confidence": gold.confidence}
            )
        row = soft_labels(sel, clip.clip_id, rank)
        if row is not None:
            soft.append(row)
    for tier, rows in per_tier.items():
        written.append(write_jsonl_rows(root / f"{primary_layer}_{tier}.jsonl", rows))
    written.append(write_jsonl_rows(root / f"{sel.schema.secondary or 'multi'}_soft.jsonl", soft))
    if index:
        written.append(write_jsonl_rows(root / "streaming_index.jsonl", index))
    return written
