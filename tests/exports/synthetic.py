"""A small synthetic release: 60 static clips and 4 streaming monologues, Chinese and English,
several source videos (and speaker-only groups), three annotators per clip, unanimous /
majority / model-confident / adjudicated gold, revisions, traces with gaps, media files."""

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from annotation.schema import default_label_schema, default_trace_config
from exports.pipeline import (
    ClipAgreementRow,
    ClipRow,
    GoldRow,
    LabelRow,
    ReleaseData,
    ReleaseOptions,
    TraceRow,
)

BASIC7 = ["Anger", "Joy", "Sadness", "Fear", "Disgust", "Surprise", "Neutral"]
GO = {
    "Anger": ["anger", "annoyance"],
    "Joy": ["joy", "amusement", "pride"],
    "Sadness": ["sadness", "grief"],
    "Fear": ["fear", "nervousness"],
    "Disgust": ["disgust", "disapproval"],
    "Surprise": ["surprise", "realization"],
    "Neutral": ["neutral"],
}
GO_ORDER = [label["value"] for label in default_label_schema()["layers"][1]["labels"]]
ANNOTATORS = [f"A{i:02d}" for i in range(1, 10)]
RATE = 25.0
STREAM_IDS = ["Film A", "Film/B", "电影 C", "Film D"]


def _go(labels: list[str]) -> list[str]:
    return sorted(set(labels), key=GO_ORDER.index)


def _static_id(i: int, language: str) -> str:
    if language == "zh":
        return f"chsims/video_{i // 2:03d}/{i:04d}" if i % 7 else f"中文 片段/{i:04d}"
    return f"meld dia{i // 2} utt{i % 2}"


def _static_clips(rng: np.random.Generator) -> list[ClipRow]:
    clips = []
    for i in range(60):
        language = "zh" if i < 30 else "en"
        if language == "en" and i >= 54:  # no source video: grouped by speaker
            source, speaker = "", ["Joey", "Rachel", "Ross"][i % 3]
        else:
            source, speaker = f"{language}_video_{i // 2:02d}", ""
        clips.append(
            ClipRow(
                clip_id=_static_id(i, language),
                kind="static",
                language=language,
                duration_s=float(round(rng.uniform(2, 9), 3)),
                transcript=f"utterance {i}" if language == "en" else f"第{i}句话",
                speaker=speaker,
                source_video=source,
                batch="first" if i % 2 else "second",
                segments=[],
            )
        )
    return clips


def _stream_segments(duration: float, language: str, i: int) -> list[dict[str, Any]]:
    bounds = np.linspace(0, duration, 6)
    return [
        {
            "index": k + 1,
            "start_s": round(float(bounds[k]) + 0.3, 2),
            "end_s": round(float(bounds[k + 1]) - 0.2, 2),
            "text": f"sentence {k} of film {i}" if language == "en" else f"第{i}部电影第{k}句",
            "speaker": "Narrator",
        }
        for k in range(5)
    ]


def _stream_clips() -> list[ClipRow]:
    clips = []
    for i, clip_id in enumerate(STREAM_IDS):
        language = "zh" if i % 2 else "en"
        duration = 30.0 + 4 * i
        clips.append(
            ClipRow(
                clip_id=clip_id,
                kind="stream",
                language=language,
                duration_s=duration,
                transcript="",
                speaker="Narrator",
                source_video=f"monologue_{i}",
                batch="streaming",
                segments=_stream_segments(duration, language, i),
            )
        )
    return clips


def _static_labels(
    clip: ClipRow, i: int, rng: np.random.Generator
) -> tuple[list[LabelRow], GoldRow, ClipAgreementRow]:
    truth = BASIC7[int(rng.choice(7, p=[0.12, 0.2, 0.15, 0.08, 0.08, 0.12, 0.25]))]
    go = _go([GO[truth][0], *rng.choice(GO[truth], size=int(rng.integers(0, 2)))])
    raters = [ANNOTATORS[(i + k * 3) % 9] for k in range(3)]
    pattern = ["unanimous", "majority", "majority", "model", "disputed"][i % 5]
    answers = [truth] * 3
    if pattern in ("majority", "model"):
        answers[2] = BASIC7[(BASIC7.index(truth) + 1) % 7]
    if pattern == "disputed":
        answers = [truth, BASIC7[(BASIC7.index(truth) + 2) % 7], "Unsure"]
    labels = []
    for k, (rater, answer) in enumerate(zip(raters, answers, strict=True)):
        payload: dict[str, Any] = {
            "basic7": answer,
            "goemotions": go if k != 1 else _go([*go, "surprise"]),
            "intensity": int(rng.integers(1, 6)),
        }
        labels.append(LabelRow(clip.clip_id, rater, 1, payload, f"2026-01-{1 + i % 28:02d}T10:00"))
        if k == 0 and i % 9 == 0:  # a second thought
            revised = {**payload, "intensity": min(5, payload["intensity"] + 1)}
            labels.append(
                LabelRow(clip.clip_id, rater, 2, revised, f"2026-01-{1 + i % 28:02d}T11:00")
            )
    gold_payload = {"basic7": truth, "goemotions": go, "intensity": 3}
    provenance, confidence, tier, rationale = {
        "unanimous": ("unanimous", 1.0, "high", ""),
        "majority": ("majority", 0.85 if i % 2 else 0.7, "medium" if i % 2 else "low", ""),
        "model": ("model_confident", 0.93, "high", ""),
        "disputed": ("adjudicated", None, "", "two annotators disagreed; the voice decides"),
    }[pattern]
    gold = GoldRow(
        clip.clip_id, gold_payload, provenance, confidence, tier,
        2 if pattern == "disputed" else 1, rationale, "2026-02-01T09:00",
    )  # fmt: skip
    agreement = ClipAgreementRow(
        clip.clip_id,
        tier or "low",
        confidence,
        len(set(answers)),
        {"all_same": len(set(answers)) == 1, "jaccard_mean": 0.5 + (i % 5) / 10},
    )
    return labels, gold, agreement


def _segment(start: float, end: float, label: str, language: str, k: int) -> dict[str, Any]:
    seg: dict[str, Any] = {
        "start": start,
        "end": end,
        "basic7": label,
        "goemotions": _go(GO[label][:2]),
        "intensity": 1 + k % 5,
        "audio_cues": f"voice {k}",
        "visual_cues": f"face {k}",
        "evidence": f"because {k}",
    }
    if k % 2:
        seg["speaker"] = "Narrator"
        seg[f"transcript_{language}"] = f"line {k}"
    return seg


def _trace(rng: np.random.Generator, n: int, offset: float, gap: bool) -> np.ndarray:
    t = np.arange(n) / RATE
    valence = np.clip(0.6 * np.sin(t / 4 + offset) + rng.normal(0, 0.05, n), -1, 1)
    arousal = np.clip(0.4 * np.cos(t / 5) + rng.normal(0, 0.05, n) + offset / 10, -1, 1)
    samples = np.stack([valence, arousal], axis=1).astype(np.float32)
    if gap:
        samples[100:160] = np.nan  # a gap: nothing recorded
        samples[300:310, 1] = np.nan  # one dimension missing
    return samples


def _stream_labels(
    clip: ClipRow, i: int, rng: np.random.Generator
) -> tuple[list[LabelRow], GoldRow, list[TraceRow], TraceRow]:
    duration = float(clip.duration_s or 0)
    cuts = np.round(np.linspace(0, duration, 6), 2)
    labels_seq = [BASIC7[(i + k) % 7] for k in range(5)]
    gold_segments = [
        _segment(float(cuts[k]), float(cuts[k + 1]), labels_seq[k], clip.language, k)
        for k in range(5)
    ]
    gold_segments[0]["basic7"] = gold_segments[1]["basic7"]  # a dominant label
    labels = []
    for k, rater in enumerate(ANNOTATORS[i : i + 3]):
        segments = [dict(seg) for seg in gold_segments]
        if k == 2:
            segments[3]["basic7"] = "Neutral"
        labels.append(LabelRow(clip.clip_id, rater, 1, {"segments": segments}, "2026-01-05"))
    gold = GoldRow(
        clip.clip_id,
        {"segments": gold_segments, "note": f"film {i}: a monologue"},
        "adjudicated" if i == 0 else "majority",
        None if i == 0 else 0.88,
        "" if i == 0 else "medium",
        1,
        "segment 4 decided by the adjudicator" if i == 0 else "",
        "2026-02-02",
    )
    n = int(duration * RATE)
    traces = [
        TraceRow(clip.clip_id, rater, RATE, ("valence", "arousal"), _trace(rng, n, k / 3, k == 1))
        for k, rater in enumerate(ANNOTATORS[i : i + 3])
    ]
    stack = np.stack([t.samples for t in traces]).astype(np.float64)
    seen = np.isfinite(stack)
    mean = np.where(seen, stack, 0).sum(0) / np.maximum(seen.sum(0), 1)
    mean[seen.sum(0) == 0] = np.nan
    gold_trace = TraceRow(clip.clip_id, "gold", RATE, ("valence", "arousal"), mean.astype("f4"))
    return labels, gold, traces, gold_trace


PROJECT_AGREEMENT: dict[str, Any] = {
    "n_clips": 64,
    "n_annotations": 199,
    "n_annotators": 9,
    "batches": ["first", "second", "streaming"],
    "layers": {
        "basic7": {
            "classes": BASIC7,
            "overall": {
                "n_items": 60, "n_ratings": 180, "all_same_ratio": 0.2, "two_same_ratio": 0.6,
                "all_different_ratio": 0.2, "fleiss_kappa": 0.512345,
                "cohen_kappa_mean": 0.52, "krippendorff_alpha_nominal": 0.511,
            },
            "by_batch": {
                "first": {"n_items": 30, "fleiss_kappa": 0.5},
                "second": {"n_items": 30, "fleiss_kappa": 0.53},
            },
            "dawid_skene": {
                "tiers": {"high": 24, "medium": 12, "low": 24},
                "thresholds": {"high": 0.9, "medium": 0.8},
                "agrees_with_majority": 0.95,
            },
        },
        "goemotions": {
            "labels": GO_ORDER,
            "overall": {"n_items": 60, "jaccard_mean": 0.71, "krippendorff_alpha_masi": 0.6},
            "mean_soft_label": {"joy": 0.2, "neutral": 0.25},
        },
        "intensity": {
            "n_items": 60, "krippendorff_alpha_ordinal": 0.3, "krippendorff_alpha_interval": 0.31,
        },
    },
    "traces": {
        "n_clips": 4,
        "dimensions": {
            "valence": {"ccc_pairwise": {"mean": 0.61, "median": 0.6, "n": 4}},
            "arousal": {"ccc_pairwise": {"mean": None, "median": None, "n": 0}},
        },
    },
}  # fmt: skip


def synthetic_release(
    *,
    version: str = "1.0.0",
    options: ReleaseOptions | None = None,
    media_dir: Path | None = None,
) -> ReleaseData:
    """The same data every call (a fixed generator). With ``media_dir``, each clip gets a
    small fake mp4 file written there."""
    rng = np.random.default_rng(20260101)
    clips: list[ClipRow] = []
    labels: list[LabelRow] = []
    gold: list[GoldRow] = []
    agreement: list[ClipAgreementRow] = []
    traces: list[TraceRow] = []
    gold_traces: list[TraceRow] = []
    for i, clip in enumerate(_static_clips(rng)):
        rows, g, a = _static_labels(clip, i, rng)
        clips.append(clip)
        labels += rows
        gold.append(g)
        agreement.append(a)
    for i, clip in enumerate(_stream_clips()):
        rows, g, t, gt = _stream_labels(clip, i, rng)
        clips.append(clip)
        labels += rows
        gold.append(g)
        traces += t
        gold_traces.append(gt)
    if media_dir is not None:
        media_dir.mkdir(parents=True, exist_ok=True)
        with_media = []
        for i, clip in enumerate(clips):
            path = media_dir / f"clip{i:03d}.mp4"
            path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + clip.clip_id.encode() * 10)
            with_media.append(dataclasses.replace(clip, media_path=str(path)))
        clips = with_media
    # The caller's order is not the release's order.
    order = rng.permutation(len(clips))
    return ReleaseData(
        project_slug="emos-demo",
        project_name="EmoS demo benchmark",
        description="Synthetic clips for the release writer tests.",
        version=version,
        created="2026-03-01",
        label_schema=default_label_schema(),
        trace_config=default_trace_config(),
        options=options or ReleaseOptions(),
        clips=[clips[j] for j in order],
        labels=labels[::-1],
        gold=gold,
        agreement=agreement,
        traces=traces,
        gold_traces=gold_traces,
        project_agreement=PROJECT_AGREEMENT,
    )


def with_gold(data: ReleaseData, clip_id: str, **payload: Any) -> ReleaseData:
    """The same data with one clip's gold payload changed."""
    gold = [
        dataclasses.replace(g, payload={**g.payload, **payload}) if g.clip_id == clip_id else g
        for g in data.gold
    ]
    return dataclasses.replace(data, gold=gold)
