"""A release publishes the hard cases: the first-layer labels of clips without gold (labels_all,
with each clip's stage), and what the source said of each clip (clips.source_meta)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from annotation.models import Annotation, GoldLabel
from exports.models import Release
from exports.pipeline import build_release
from exports.selectors import release_data
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db


def test_disputed_clips_labels_and_source_metadata_are_released(media_root, tmp_path: Path):
    project = ProjectFactory(slug="hard-cases")
    annotators = [member(project, "annotator") for _ in range(3)]
    agreed = ClipFactory(
        project=project, external_id="video_0001/0001", stage="gold",
        meta={"video_id": "video_0001", "clip_id": "0001", "mode": "train", "label": 0.4},
    )  # fmt: skip
    hard = ClipFactory(
        project=project, external_id="dia7_utt2", stage="disputed",
        meta={"meld_emotion": "surprise", "dialogue_id": 7, "utterance_id": 2},
    )  # fmt: skip
    for user, label in zip(annotators, ("Joy", "Anger", "Fear"), strict=True):
        Annotation.objects.create(clip=agreed, annotator=user, status="submitted",
                                  is_current=True, payload={"basic7": "Joy"})  # fmt: skip
        Annotation.objects.create(clip=hard, annotator=user, status="submitted",
                                  is_current=True, payload={"basic7": label})  # fmt: skip
    GoldLabel.objects.create(clip=agreed, version=1, provenance="unanimous", tier="high",
                             confidence=1.0, payload={"basic7": "Joy"})  # fmt: skip
    release = Release.objects.create(project=project, major=1, minor=0, patch=0)
    out = tmp_path / "release"
    build_release(release_data(release, None), out, lambda f, m: None)

    # Gold as before: the disputed clip is no gold clip and has no labels row.
    assert list(pd.read_parquet(out / "data" / "gold.parquet")["clip_id"]) == [agreed.external_id]
    assert set(pd.read_parquet(out / "data" / "labels.parquet")["clip_id"]) == {"video_0001/0001"}
    every = pd.read_parquet(out / "data" / "labels_all.parquet")
    rows = sorted(zip(every["clip_id"], every["stage"], every["basic7"], strict=True))
    assert rows == [
        ("dia7_utt2", "disputed", "Anger"), ("dia7_utt2", "disputed", "Fear"),
        ("dia7_utt2", "disputed", "Joy"),
        *[("video_0001/0001", "gold", "Joy")] * 3,
    ]  # fmt: skip
    clips = pd.read_parquet(out / "data" / "clips.parquet")
    assert [json.loads(m) for m in clips["source_meta"]] == [
        {"video_id": "video_0001", "clip_id": "0001", "mode": "train", "label": 0.4}
    ]
    card = (out / "README.md").read_text()
    assert "config_name: labels_all" in card
