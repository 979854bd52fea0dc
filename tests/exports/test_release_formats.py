"""The release's formats as their consumers read them: pandas, Hugging Face datasets, the
card's YAML, mlcroissant, the EmoS layout (read back by our own EmoS importer)."""

import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
import yaml

from annotation.importers.labels import Vocabulary, read_emos_streaming
from exports.pipeline import ReleaseData, safe_name, safe_names

TABLES = ("clips", "labels", "gold", "segments", "agreement")
REAL_EMOS = Path(__file__).resolve().parents[3] / "shared" / "emos" / "streaming"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _plain(value: Any) -> Any:
    """A pandas cell as plain Python (arrays to lists, NaN/NA to None)."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value


@pytest.mark.parametrize("table", TABLES)
def test_parquet_and_jsonl_hold_the_same_rows(release_dir: Path, table: str) -> None:
    frame = pd.read_parquet(release_dir / "data" / f"{table}.parquet")
    rows = _jsonl(release_dir / "data" / f"{table}.jsonl")
    assert list(frame.columns) == list(rows[0])
    json_columns = {
        c for c in frame.columns if any(isinstance(r[c], dict | list) for r in rows)
    } - {"goemotions", "secondary"}
    for record, row in zip(frame.to_dict("records"), rows, strict=True):
        for key, cell in record.items():
            column, value = str(key), _plain(cell)
            if column in json_columns and value is not None:
                value = json.loads(value)
            if isinstance(value, float):
                assert value == pytest.approx(row[column])
            else:
                assert value == row[column], (table, column)


def test_rows_are_sorted(release_dir: Path) -> None:
    clips = _jsonl(release_dir / "data" / "clips.jsonl")
    assert [c["clip_id"] for c in clips] == sorted(c["clip_id"] for c in clips)
    labels = _jsonl(release_dir / "data" / "labels.jsonl")
    keys = [(r["clip_id"], r["annotator"], r["revision"]) for r in labels]
    assert keys == sorted(keys)


def test_parquet_has_no_pandas_metadata(release_dir: Path) -> None:
    import pyarrow.parquet as pq

    for path in (release_dir / "data").glob("*.parquet"):
        metadata = pq.read_schema(path).metadata or {}
        assert b"pandas" not in metadata


def test_labels_table(release_dir: Path, release_data: ReleaseData) -> None:
    labels = pd.read_parquet(release_dir / "data" / "labels.parquet")
    assert len(labels) == len(release_data.labels)
    assert set(labels["annotator"]) <= {f"A{i:02d}" for i in range(1, 10)}
    revised = labels[labels["revision"] == 2]
    assert len(revised) and revised["latest"].all()
    static = labels[labels["segments"].isna()]
    assert static["basic7"].notna().all() and static["intensity"].notna().all()
    assert all(isinstance(v, np.ndarray) and len(v) for v in static["goemotions"])
    stream = labels[labels["segments"].notna()]
    assert stream["basic7"].isna().all() and len(json.loads(stream["segments"].iloc[0])) == 5


def test_gold_table_keeps_provenance(release_dir: Path) -> None:
    gold = pd.read_parquet(release_dir / "data" / "gold.parquet")
    assert set(gold["provenance"]) == {"unanimous", "majority", "model_confident", "adjudicated"}
    adjudicated = gold[gold["provenance"] == "adjudicated"]
    assert (adjudicated["rationale"] != "").all() and (adjudicated["tier"] == "").all()
    assert adjudicated["confidence"].isna().all()
    assert gold.loc[gold["provenance"] == "unanimous", "tier"].eq("high").all()


def test_traces_long_format_drops_gaps(release_dir: Path, release_data: ReleaseData) -> None:
    traces = pd.read_parquet(release_dir / "data" / "traces.parquet")
    assert list(traces.columns) == ["clip_id", "annotator", "t", "valence", "arousal"]
    assert str(traces["valence"].dtype) == "float32"
    for trace in release_data.traces + release_data.gold_traces:
        rows = traces[
            (traces["clip_id"] == trace.clip_id) & (traces["annotator"] == trace.annotator)
        ]
        kept = ~np.isnan(trace.samples).all(axis=1)
        assert len(rows) == kept.sum()
        np.testing.assert_allclose(rows["t"], np.flatnonzero(kept) / trace.rate_hz, atol=1e-6)
        np.testing.assert_allclose(rows["valence"], trace.samples[kept, 0], equal_nan=True)
    assert traces["arousal"].isna().any()  # one dimension missing: null, row kept
    assert "gold" in set(traces["annotator"])


def test_datasets_loads_every_table(release_dir: Path, tmp_path: Path) -> None:
    import datasets

    for table in (*TABLES, "traces"):
        loaded = datasets.load_dataset(
            "parquet",
            data_files=str(release_dir / "data" / f"{table}.parquet"),
            cache_dir=str(tmp_path / "cache"),
        )["train"]
        assert loaded.num_rows == len(pd.read_parquet(release_dir / "data" / f"{table}.parquet"))
    gold = datasets.load_dataset(str(release_dir), "gold", cache_dir=str(tmp_path / "cache"))
    assert gold["full"].num_rows == 64
    assert gold["full"].features["goemotions"].feature.dtype == "string"


def test_card_front_matter(release_dir: Path) -> None:
    text = (release_dir / "README.md").read_text("utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match
    meta = yaml.safe_load(match.group(1))
    assert meta["license"] == "other" and meta["language"] == ["en", "zh"]
    for config in meta["configs"]:
        for files in config["data_files"]:
            assert (release_dir / files["path"]).is_file()
    assert any(c.get("default") for c in meta["configs"])
    for needle in ("## Splits", "| train | 5", "fleiss_kappa | 0.512", "| adjudicated |",
                   "| Joy |", "plots/traces.png", "## Fields"):  # fmt: skip
        assert needle in text, needle


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_croissant_validates_and_loads(release_dir: Path) -> None:
    import mlcroissant as mlc

    path = release_dir / "croissant.json"
    dataset = mlc.Dataset(jsonld=path)
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, issues.report()
    metadata = json.loads(path.read_text())
    for entry in metadata["distribution"]:
        if entry["@type"] == "cr:FileObject":
            data = (release_dir / entry["contentUrl"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    listed = {e["contentUrl"] for e in metadata["distribution"] if "contentUrl" in e}
    assert {f"data/{t}.parquet" for t in (*TABLES, "traces")} <= listed
    clips = list(dataset.records(record_set="clips"))
    assert len(clips) == 64
    assert sorted(r["clips/clip_id"].decode() for r in clips)[0] == "Film A"
    gold = {r["gold/clip_id"].decode(): r for r in dataset.records(record_set="gold")}
    static = next(r for r in gold.values() if r["gold/basic7"] is not None)
    assert static["gold/provenance"].decode() in ("unanimous", "majority", "model_confident",
                                                  "adjudicated")  # fmt: skip
    assert all(isinstance(v, bytes) for v in static["gold/goemotions"])
    labels = list(itertools.islice(dataset.records(record_set="labels"), 5))
    assert labels[0]["labels/annotator"].decode().startswith("A")


def test_emos_tier_files(release_dir: Path, release_data: ReleaseData) -> None:
    seen = {}
    for tier in ("high", "medium", "low"):
        for row in _jsonl(release_dir / "emos" / f"basic7_{tier}.jsonl"):
            assert set(row) == {"clip_id", "label", "confidence"}
            seen[row["clip_id"]] = (tier, row["label"])
    for gold in release_data.gold:
        if "basic7" in gold.payload:
            assert seen[gold.clip_id] == (gold.tier or "high", gold.payload["basic7"])
    assert len(seen) == 60


def test_emos_soft_labels(release_dir: Path, release_data: ReleaseData) -> None:
    rows = {r["clip_id"]: r for r in _jsonl(release_dir / "emos" / "goemotions_soft.jsonl")}
    assert len(rows) == 60
    clip_id = sorted(rows)[3]
    latest: dict[str, Any] = {}
    for label in sorted(release_data.labels, key=lambda r: r.revision):
        if label.clip_id == clip_id:
            latest[label.annotator] = label.payload["goemotions"]
    counts: dict[str, int] = {}
    for answer in latest.values():
        for value in answer:
            counts[value] = counts.get(value, 0) + 1
    assert rows[clip_id]["n"] == len(latest)
    assert rows[clip_id]["soft"] == {k: round(v / len(latest), 6) for k, v in counts.items()}


def _real_keys() -> tuple[set[str], set[str]]:
    files = sorted(REAL_EMOS.glob("*/*.emotion.json"))
    assert files, f"the EmoS files are not at {REAL_EMOS}"  # shared/ is always beside the repo
    text = files[0].read_text("utf-8").strip().removeprefix("```json").removesuffix("```")
    real = json.loads(text)
    return set(real), set(real["utterances"][0])


def test_emos_streaming_has_the_real_schema(release_dir: Path) -> None:
    top_keys, utterance_keys = _real_keys()
    index = _jsonl(release_dir / "emos" / "streaming_index.jsonl")
    assert [r["clip_id"] for r in index] == ["Film A", "Film D", "Film/B", "电影 C"]
    for entry in index:
        folder = release_dir / "emos" / entry["folder"]
        name = folder.name
        assert unquote(name) == entry["clip_id"]
        data = json.loads((folder / f"{name}.emotion.json").read_text("utf-8"))
        assert set(data) == top_keys
        assert set(data["overall_emotion_trend"]) == {"dominant", "trajectory"}
        for utt in data["utterances"]:
            assert set(utt) == utterance_keys - {"note"}  # "note" is one film's extra
            assert re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", utt["timestamp_range"])
            assert "/" in utt["emotion_primary"]  # "Anger/愤怒", as EmoS writes it


def test_emos_streaming_round_trips_through_our_importer(
    release_dir: Path, release_data: ReleaseData
) -> None:
    vocab = Vocabulary.from_schema(release_data.label_schema)
    for entry in _jsonl(release_dir / "emos" / "streaming_index.jsonl"):
        folder = release_dir / "emos" / entry["folder"]
        result = read_emos_streaming(folder, vocab, annotator="gold")
        assert len(result.records) == 1
        record = result.records[0]
        gold = next(g for g in release_data.gold if g.clip_id == entry["clip_id"])
        clip = next(c for c in release_data.clips if c.clip_id == entry["clip_id"])
        assert record.clip.language == clip.language
        segments = record.payload["segments"]
        assert len(segments) == len(gold.payload["segments"])
        for back, original in zip(segments, gold.payload["segments"], strict=True):
            assert back["start"] == round(original["start"])
            assert back["end"] == round(original["end"])
            for key in ("basic7", "goemotions", "intensity", "audio_cues", "evidence"):
                assert back[key] == original[key], key
            if "speaker" in original:
                assert back["speaker"] == original["speaker"]


def test_safe_names() -> None:
    for clip_id in ["plain-id_1.mp4", "a/b c", "电影 C", ".hidden", "..", "100%"]:
        name = safe_name(clip_id)
        assert re.fullmatch(r"[A-Za-z0-9._%-]+", name) and not name.startswith(".")
        assert unquote(name) == clip_id
    long = "x" * 300
    assert len(safe_name(long)) <= 120 and safe_name(long) != safe_name(long + "y")
    names = safe_names(["Clip", "clip", "other"])
    assert len({n.casefold() for n in names.values()}) == 3 and names["other"] == "other"


def test_emos_timestamps() -> None:
    from exports.pipeline.emos import timestamp_range

    assert timestamp_range(0.0, 3.0) == "00:00-00:03"
    assert timestamp_range(3.4, 65.5) == "00:03-01:06"  # half up
    assert timestamp_range(12.2, 12.4) == "00:12-00:13"  # never empty
    assert timestamp_range(3599.6, 3725.0) == "60:00-62:05"  # minutes go past 59


def test_pipeline_imports_no_django() -> None:
    code = (
        "import sys, exports.pipeline, exports.pipeline.evaluation; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery', "
        "'rest_framework', 'clips') or m.startswith(('annotation.models', "
        "'annotation.services'))); print(bad); sys.exit(1 if bad else 0)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=Path(__file__).parents[2], timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
