"""score(): the numbers equal scikit-learn's; CCC against the gold traces; malformed
prediction files fail with the line."""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, jaccard_score
from sklearn.preprocessing import MultiLabelBinarizer

from exports.pipeline import ReleaseData, score
from exports.pipeline.evaluation import ccc

BASIC7 = ["Anger", "Joy", "Sadness", "Fear", "Disgust", "Surprise", "Neutral"]


def _gold(release_dir: Path, split: str) -> pd.DataFrame:
    gold = pd.read_parquet(release_dir / "data" / "gold.parquet")
    return gold[gold["split"] == split]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _predictions(gold: pd.DataFrame) -> list[dict[str, Any]]:
    """Right, wrong, off-label, wrongly cased and missing answers, deterministically."""
    rng = np.random.default_rng(5)
    rows = []
    for i, row in enumerate(_records(gold[gold["basic7"].notna()])):
        kind = i % 10
        if kind == 9:
            continue  # missing prediction
        if kind < 5:
            answer = row["basic7"]
        elif kind == 5:
            answer = row["basic7"].lower()  # matched ignoring case
        elif kind == 6:
            answer = "Happy"  # outside the label set
        elif kind == 7:
            answer = "Unsure"
        else:
            answer = BASIC7[int(rng.integers(7))]
        labels = list(row["goemotions"])
        if kind in (2, 6):
            labels = [*labels[:1], "happiness"]
        elif kind in (3, 8):
            labels = ["neutral"]
        rows.append({"clip_id": row["clip_id"], "basic7": answer, "goemotions": labels})
    return rows


def test_basic7_and_goemotions_equal_sklearn(release_dir: Path, tmp_path: Path) -> None:
    gold = _gold(release_dir, "train")
    preds = _predictions(gold)
    result = score(release_dir, _write_jsonl(tmp_path / "p.jsonl", preds), split="train")

    by_id = {p["clip_id"]: p for p in preds}
    static = gold[gold["basic7"].notna()]
    y_true = list(static["basic7"])
    folded = {v.casefold(): v for v in BASIC7}
    y_pred = [
        folded.get(by_id[c]["basic7"].casefold(), "<invalid>") if c in by_id else "<missing>"
        for c in static["clip_id"]
    ]
    classes = [v for v in BASIC7 if v in set(y_true) | set(y_pred)]
    b = result["basic7"]
    assert b["n"] == len(y_true)
    assert b["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-6)
    for average in ("macro", "weighted"):
        expected = f1_score(y_true, y_pred, labels=classes, average=average, zero_division=0)
        assert b[f"{average}_f1"] == pytest.approx(expected, abs=1e-6)
    per_class = f1_score(y_true, y_pred, labels=classes, average=None, zero_division=0)
    for label, value in zip(classes, per_class, strict=True):
        assert b["per_class"][label]["f1"] == pytest.approx(value, abs=1e-6)
    assert b["n_missing"] == sum(p == "<missing>" for p in y_pred)
    assert b["n_outside_label_set"] == sum(p == "<invalid>" for p in y_pred)
    assert 0 < b["accuracy"] < 1

    truth = [set(v) for v in static["goemotions"]]
    predicted = [set(by_id[c]["goemotions"]) if c in by_id else set() for c in static["clip_id"]]
    binarizer = MultiLabelBinarizer().fit(truth + predicted)
    t, p = binarizer.transform(truth), binarizer.transform(predicted)
    g = result["goemotions"]
    assert g["samples_f1"] == pytest.approx(
        f1_score(t, p, average="samples", zero_division=0), abs=1e-6
    )
    assert g["samples_jaccard"] == pytest.approx(
        jaccard_score(t, p, average="samples", zero_division=0), abs=1e-6
    )
    assert "traces" not in result


def test_csv_gives_the_same_numbers(release_dir: Path, tmp_path: Path) -> None:
    preds = _predictions(_gold(release_dir, "test"))
    jsonl = score(release_dir, _write_jsonl(tmp_path / "p.jsonl", preds))
    lines = ["clip_id,basic7,goemotions"] + [
        f'"{p["clip_id"]}",{p["basic7"]},{";".join(p["goemotions"])}' for p in preds
    ]
    (tmp_path / "p.csv").write_text("\n".join(lines) + "\n", "utf-8")
    assert score(release_dir, tmp_path / "p.csv") == jsonl


def test_every_answer_right_scores_one(release_dir: Path, tmp_path: Path) -> None:
    gold = _gold(release_dir, "test")
    rows = [
        {"clip_id": r["clip_id"], "basic7": r["basic7"], "goemotions": list(r["goemotions"])}
        for r in _records(gold[gold["basic7"].notna()])
    ]
    result = score(release_dir, _write_jsonl(tmp_path / "p.jsonl", rows))
    assert result["basic7"]["accuracy"] == 1.0 and result["basic7"]["macro_f1"] == 1.0
    assert result["goemotions"]["samples_f1"] == 1.0


def _stream_split(release_dir: Path) -> str:
    clips = pd.read_parquet(release_dir / "data" / "clips.parquet")
    return str(clips.loc[clips["kind"] == "stream", "split"].value_counts().index[0])


def test_trace_ccc_against_gold(
    release_dir: Path, release_data: ReleaseData, tmp_path: Path
) -> None:
    split = _stream_split(release_dir)
    clips = pd.read_parquet(release_dir / "data" / "clips.parquet")
    ids = sorted(clips.loc[(clips["kind"] == "stream") & (clips["split"] == split), "clip_id"])
    gold = {t.clip_id: t for t in release_data.gold_traces}
    rng = np.random.default_rng(1)
    first = gold[ids[0]]
    noisy = first.samples[:, 0].astype(np.float64) + rng.normal(0, 0.2, len(first.samples))
    rows: list[dict[str, Any]] = [
        {"clip_id": ids[0], "valence": [None if math.isnan(v) else v for v in noisy.tolist()]}
    ]
    if len(ids) > 1:  # the same gold curve sent at 50 Hz: resampled back, it matches
        second = gold[ids[1]].samples[:, 1].astype(np.float64)
        t25 = np.arange(second.size) / 25.0
        t50 = np.arange(int(t25[-1] * 50) + 1) / 50.0
        rows.append(
            {"clip_id": ids[1], "arousal": np.interp(t50, t25, second).tolist(), "rate_hz": 50}
        )
    result = score(release_dir, _write_jsonl(tmp_path / "p.jsonl", rows), split=split)
    traces = result["traces"]

    # The independent reference: numpy's biased covariance on the kept gold samples.
    kept = ~np.isnan(first.samples).all(axis=1)
    x, y = noisy[kept], first.samples[kept, 0].astype(np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    cov = np.cov(x[ok], y[ok], bias=True)
    expected = 2 * cov[0, 1] / (cov[0, 0] + cov[1, 1] + (x[ok].mean() - y[ok].mean()) ** 2)
    assert traces["valence"]["per_clip"][ids[0]] == pytest.approx(expected, abs=1e-5)
    n = len(ids)
    assert traces["valence"]["n_missing"] == n - 1
    assert traces["valence"]["ccc_mean"] == pytest.approx(expected / n, abs=1e-5)
    if n > 1:
        assert traces["arousal"]["per_clip"][ids[1]] == pytest.approx(1.0, abs=1e-4)


def test_ccc_edge_cases() -> None:
    x = np.array([-1.5, -0.5, 0.5, 1.5])
    assert ccc(x, x) == pytest.approx(1.0)
    assert ccc(x, -x) == pytest.approx(-1.0)
    assert ccc(x, x + 10) < 0.1  # correlation without agreement
    assert math.isnan(ccc(np.array([1.0, math.nan]), np.array([1.0, 2.0])))
    assert ccc(np.ones(3), np.ones(3)) == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"clip_id": "a", "basic7": "Joy"}\n{"clip_id": "b"\n', "line 2: invalid JSON"),
        ('{"clip_id": "a"}\n\n["b"]\n', "line 3: expected a JSON object"),
        ('{"basic7": "Joy"}\n', "line 1: 'clip_id'"),
        ('{"clip_id": "a"}\n{"clip_id": "a"}\n', "line 2: clip 'a' again .first on line 1"),
        ('{"clip_id": "a", "basic7": 3}\n', "line 1: 'basic7' must be a label"),
        ('{"clip_id": "a", "goemotions": [1]}\n', "line 1: 'goemotions' must be a list"),
        ('{"clip_id": "a", "valence": ["x"]}\n', "line 1: 'valence' must be a list of numbers"),
        ('{"clip_id": "a", "valence": [1, 2], "t": [0, 0]}\n', "line 1: 't' must be increasing"),
        ('{"clip_id": "a", "valence": [1], "rate_hz": 0}\n', "line 1: 'rate_hz'"),
        ("", "no predictions"),
    ],
)
def test_malformed_jsonl(release_dir: Path, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        score(release_dir, path)


def test_malformed_csv(release_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,basic7\na,Joy\n")
    with pytest.raises(ValueError, match="line 1: the CSV header needs a 'clip_id'"):
        score(release_dir, path)
    path.write_text("clip_id,basic7\na,Joy\nb,Joy,extra\n")
    with pytest.raises(ValueError, match="line 3: more cells"):
        score(release_dir, path)


def test_unknown_split(release_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no split 'dev'"):
        score(release_dir, _write_jsonl(tmp_path / "p.jsonl", [{"clip_id": "a"}]), split="dev")
