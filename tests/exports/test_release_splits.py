"""Splits: seeded and stable, stratified by gold label and language, whole source videos (or
speakers) in one split, previous assignments kept."""

import dataclasses
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from exports.pipeline import ReleaseData, ReleaseOptions, read_previous
from exports.pipeline.build import compute_splits
from exports.pipeline.data import PreviousRelease
from exports.pipeline.selection import select
from exports.pipeline.splits import SplitItem, assign_splits

SPLITS = ("train", "validation", "test")
LABELS = ["Joy", "Sadness", "Neutral", "Anger"]


def _splits(data: ReleaseData) -> dict[str, str]:
    return compute_splits(data, select(data))


def test_split_files_and_column_agree(release_dir: Path) -> None:
    clips = pd.read_parquet(release_dir / "data" / "clips.parquet")
    gold = pd.read_parquet(release_dir / "data" / "gold.parquet")
    for split in SPLITS:
        ids = (release_dir / "splits" / f"{split}.txt").read_text().splitlines()
        assert ids == sorted(ids)
        assert ids == sorted(clips.loc[clips["split"] == split, "clip_id"])
        assert ids == sorted(gold.loc[gold["split"] == split, "clip_id"])
        assert ids, f"{split} is empty"


def test_no_source_video_or_speaker_in_two_splits(release_dir: Path) -> None:
    clips = pd.read_parquet(release_dir / "data" / "clips.parquet")
    groups: dict[str, set[str]] = defaultdict(set)
    for row in clips.to_dict("records"):
        video, speaker = str(row["source_video"]), str(row["speaker"])
        groups[f"video:{video}" if video else f"speaker:{speaker}"].add(str(row["split"]))
    assert any(k.startswith("speaker:") for k in groups)
    assert all(len(splits) == 1 for splits in groups.values()), groups


def test_release_splits_are_stratified(release_dir: Path) -> None:
    clips = pd.read_parquet(release_dir / "data" / "clips.parquet")
    gold = pd.read_parquet(release_dir / "data" / "gold.parquet")
    merged = clips.merge(gold[["clip_id", "primary_label"]], on="clip_id")
    sizes = merged["split"].value_counts()
    assert abs(sizes["train"] - 0.8 * 64) <= 2
    assert abs(sizes["validation"] - 6.4) <= 2 and abs(sizes["test"] - 6.4) <= 2
    for _, members in merged.groupby("language"):
        share = (members["split"] == "train").mean()
        assert 0.7 <= share <= 0.9
        assert set(members["split"]) == set(SPLITS)  # every split has both languages
    for label, members in merged.groupby("primary_label"):
        if len(members) >= 10:
            assert 0.6 <= (members["split"] == "train").mean() <= 0.95, label


def test_group_aware_stratification_at_scale() -> None:
    """600 clips in 200 videos of 1–5 clips: per stratum within 6 points of the ratios."""
    rng = np.random.default_rng(7)
    items = []
    for g in range(200):
        language = "zh" if g % 2 else "en"
        for k in range(int(rng.integers(1, 6))):
            label = ["Joy", "Sadness", "Neutral", "Anger"][
                int(rng.choice(4, p=[0.4, 0.3, 0.2, 0.1]))
            ]
            items.append(SplitItem(f"v{g}/c{k}", f"video:{g}", f"{label}|{language}"))
    assignment = assign_splits(items, ratios=(0.8, 0.1, 0.1), seed=3)
    per_group: dict[str, set[str]] = defaultdict(set)
    for item in items:
        per_group[item.group].add(assignment[item.clip_id])
    assert all(len(s) == 1 for s in per_group.values())
    strata: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        strata[item.stratum][assignment[item.clip_id]] += 1
    for stratum, counts in strata.items():
        total = sum(counts.values())
        for split, ratio in zip(SPLITS, (0.8, 0.1, 0.1), strict=True):
            assert abs(counts[split] / total - ratio) <= 0.06, (stratum, counts)


def test_same_seed_same_splits_other_seed_other_splits(release_data: ReleaseData) -> None:
    first = _splits(release_data)
    assert first == _splits(release_data)
    other = _splits(dataclasses.replace(release_data, options=ReleaseOptions(seed=1)))
    assert other != first
    assert Counter(other.values())["train"] >= 45


def test_input_order_does_not_matter(release_data: ReleaseData) -> None:
    shuffled = dataclasses.replace(
        release_data, clips=release_data.clips[::-1], gold=release_data.gold[::-1]
    )
    assert _splits(shuffled) == _splits(release_data)


def test_previous_splits_are_kept(release_dir: Path, release_data: ReleaseData) -> None:
    previous = read_previous(release_dir)
    reseeded = dataclasses.replace(release_data, options=ReleaseOptions(seed=99), previous=previous)
    assert _splits(reseeded) == dict(previous.splits)
    resplit = dataclasses.replace(
        release_data, options=ReleaseOptions(seed=99, resplit=True), previous=previous
    )
    assert _splits(resplit) != dict(previous.splits)


def test_a_new_clip_joins_its_videos_split(release_data: ReleaseData) -> None:
    splits = _splits(release_data)
    clip = next(c for c in release_data.clips if c.source_video and c.kind == "static")
    gold = next(g for g in release_data.gold if g.clip_id == clip.clip_id)
    twin = dataclasses.replace(clip, clip_id="twin of a clip")
    data = dataclasses.replace(
        release_data,
        clips=[*release_data.clips, twin],
        gold=[*release_data.gold, dataclasses.replace(gold, clip_id="twin of a clip")],
        previous=PreviousRelease(version="0.9.0", splits=splits),
    )
    after = _splits(data)
    assert after["twin of a clip"] == splits[clip.clip_id]
    assert {k: v for k, v in after.items() if k != "twin of a clip"} == splits


def test_zero_ratio_splits_stay_empty(release_data: ReleaseData) -> None:
    data = dataclasses.replace(release_data, options=ReleaseOptions(split_ratios=(1.0, 0, 0)))
    assert set(_splits(data).values()) == {"train"}
