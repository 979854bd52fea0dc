"""Model drafts in a release: their own table with each run's provenance, only for the
release's clips, described in the card and the Croissant metadata, never in labels or gold."""

import dataclasses
import json
from pathlib import Path

import pandas as pd
from synthetic import synthetic_release

from exports.pipeline import ReleaseOptions, build_release
from exports.pipeline.data import ModelDraftRow

MODEL_SAYS = "Surprise"


def _with_drafts(options: ReleaseOptions | None = None):  # type: ignore[no-untyped-def]
    data = synthetic_release(options=options)
    static = sorted(c.clip_id for c in data.clips if c.kind == "static")[:4]
    drafts = [
        ModelDraftRow(clip, run, "gpt-x", f"v{run}", "prompt-7", f"2025-01-0{run}",
                      {"basic7": MODEL_SAYS, "goemotions": ["surprise"]},
                      {"summary": "a model's words"} if run == 2 else {})
        for clip in static for run in (2, 1)
    ]  # fmt: skip
    return dataclasses.replace(data, model_drafts=drafts[::-1]), static


def test_drafts_have_their_own_table_with_provenance(tmp_path: Path) -> None:
    data, static = _with_drafts()
    out = tmp_path / "r"
    build_release(data, out)
    table = pd.read_parquet(out / "data" / "model_drafts.parquet")
    assert list(table["clip_id"]) == [c for c in static for _ in (1, 2)]  # sorted
    assert list(table["run_id"]) == [1, 2] * len(static)
    first = table.iloc[1]
    assert (first.model_name, first.model_version, first.config_id, first.run_date) == (
        "gpt-x", "v2", "prompt-7", "2025-01-02",
    )  # fmt: skip
    assert first.basic7 == MODEL_SAYS and json.loads(first.source_meta)["summary"]
    rows = [json.loads(line) for line in (out / "data" / "model_drafts.jsonl").open()]
    assert len(rows) == len(table)
    # Never a label, never gold: no human label or gold row says what only the model said.
    for name in ("labels", "gold"):
        people = pd.read_parquet(out / "data" / f"{name}.parquet")
        assert "model_name" not in people.columns
        assert len(people) == len(pd.read_parquet(_plain(tmp_path) / "data" / f"{name}.parquet"))
    card = (out / "README.md").read_text()
    assert "config_name: model_drafts" in card and "never gold" in card
    croissant = json.loads((out / "croissant.json").read_text())
    sets = {s["@id"]: s for s in croissant["recordSet"]}
    assert [k["@id"] for k in sets["model_drafts"]["key"]] == [
        "model_drafts/clip_id", "model_drafts/run_id",
    ]  # fmt: skip


def _plain(tmp_path: Path) -> Path:
    out = tmp_path / "plain"
    if not out.exists():
        build_release(synthetic_release(), out)
    return out


def test_only_the_releases_clips_carry_drafts(tmp_path: Path) -> None:
    data, static = _with_drafts(ReleaseOptions(provenances=("adjudicated",)))
    out = tmp_path / "r"
    build_release(data, out)
    kept = set(pd.read_parquet(out / "data" / "clips.parquet")["clip_id"])
    drafts = pd.read_parquet(out / "data" / "model_drafts.parquet")
    assert set(drafts["clip_id"]) == kept & set(static)
    assert 0 < drafts["clip_id"].nunique() < len(static)  # some clips left out, some kept


def test_drafts_build_to_the_same_bytes(tmp_path: Path) -> None:
    data, _ = _with_drafts()
    build_release(data, tmp_path / "a")
    shuffled = dataclasses.replace(data, model_drafts=data.model_drafts[::-1])
    build_release(shuffled, tmp_path / "b")
    for name in ("model_drafts.parquet", "model_drafts.jsonl"):
        assert (tmp_path / "a" / "data" / name).read_bytes() == (
            tmp_path / "b" / "data" / name
        ).read_bytes()
