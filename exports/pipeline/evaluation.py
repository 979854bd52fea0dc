"""Score model predictions against a release split (pure: the release's files in, a dict out).

Predictions are JSONL — one object per line: ``{"clip_id", "<primary layer>"?: "Joy",
"<secondary layer>"?: ["joy", "pride"] (or "joy;pride"), "<dimension>"?: [values…],
"rate_hz"?: 25, "t"?: [seconds…]}`` — or CSV with a ``clip_id`` column and any of the layer
columns (multi-label cells ``;``-joined). Layer and dimension names are the release's
(``basic7``, ``goemotions``, ``valence``, ``arousal`` by default).

- Primary (Basic-7), over the split's clips whose gold has that layer (static clips; gold
  "Unsure" left out): accuracy, macro-F1, weighted-F1 and per-class precision/recall/F1.
  Answers are matched to the label set ignoring case and surrounding space; an answer outside
  it ("Unsure" included), or a missing one, counts as wrong — and as no class: macro-F1
  averages over the label-set classes present in the gold or the valid answers.
- Secondary (GoEmotions), sample-averaged over the clips whose gold has a non-empty set:
  F1 = 2|P∩G| / (|P|+|G|) and Jaccard = |P∩G| / |P∪G|; a label outside the set is a false
  positive, a missing prediction the empty set.
- Traces: per clip and dimension, the prediction (at ``rate_hz``, default the release's rate,
  or at the times ``t``) is linearly interpolated onto the gold trace's sample times, within
  the prediction's time span; Lin's CCC over samples where both are finite. ``ccc_mean``
  averages over the split's clips with a gold trace, a missing prediction counting as 0.

- Any other layer whose type scores predictions (``LayerType.prediction_scores``; the
  Self-Assessment Manikin: ``"<layer>": {"valence": 6.5, "arousal": 3, "dominance": 5}``, JSONL
  only): per dimension MAE, Pearson r and Lin's CCC against the gold.

A block is reported only when some prediction carries that field. Malformed files raise
``ValueError`` naming the line (a ``PipelineError``, translatable: see ``messages``).
"""

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from annotation.domain.layers import layer_type
from annotation.domain.schema import LabelSchema
from annotation.domain.spec import UNSURE
from exports.pipeline.jsonfmt import clean, text_lines
from exports.pipeline.messages import Message, PipelineError, gettext_noop

Floats = npt.NDArray[np.float64]


@dataclass
class Prediction:
    clip_id: str
    line: int
    labels: dict[str, Any] = field(default_factory=dict)  # layer -> str | list[str] | None
    traces: dict[str, Floats] = field(default_factory=dict)
    rate_hz: float | None = None
    t: Floats | None = None


def _fail(path: Path, line: int, problem: str, **values: Any) -> PipelineError:
    """``problem`` (marked with gettext_noop, ``%(name)s`` filled from ``values``) on a line."""
    return PipelineError(
        gettext_noop("%(file)s: line %(line)s: %(problem)s"),
        file=path.name,
        line=line,
        problem=Message(problem, values),
    )


def _labels_value(raw: Any, multi: bool, path: Path, line: int, key: str) -> Any:
    if raw is None:
        return None
    if multi:
        if isinstance(raw, str):
            return [part.strip() for part in raw.split(";") if part.strip()]
        if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            return raw
        raise _fail(path, line, gettext_noop("%(key)s must be a list of labels"), key=repr(key))
    if not isinstance(raw, str):
        raise _fail(path, line, gettext_noop("%(key)s must be a label (text)"), key=repr(key))
    return raw


def _numbers(raw: Any, path: Path, line: int, key: str) -> Floats:
    if not isinstance(raw, list) or not all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in raw
    ):
        raise _fail(path, line, gettext_noop("%(key)s must be a list of numbers"), key=repr(key))
    values = np.array([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
    if np.isinf(values).any():
        raise _fail(path, line, gettext_noop("%(key)s holds an infinite value"), key=repr(key))
    return values


def _record(obj: Any, schema: LabelSchema, dims: list[str], path: Path, line: int) -> Prediction:
    if not isinstance(obj, dict):
        raise _fail(path, line, gettext_noop("expected a JSON object"))
    clip_id = obj.get("clip_id")
    if not isinstance(clip_id, str) or not clip_id:
        raise _fail(path, line, gettext_noop("'clip_id' must be a non-empty string"))
    pred = Prediction(clip_id, line)
    for name, multi in ((schema.primary, False), (schema.secondary, True)):
        if name and name in obj:
            pred.labels[name] = _labels_value(obj[name], multi, path, line, name)
    for layer in schema:  # any other layer's value, as given: its type scores it
        if layer.name not in pred.labels and layer.name not in dims and layer.name in obj:
            pred.labels[layer.name] = obj[layer.name]
    for dim in dims:
        if dim in obj and obj[dim] is not None:
            pred.traces[dim] = _numbers(obj[dim], path, line, dim)
    if obj.get("rate_hz") is not None:
        rate = obj["rate_hz"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise _fail(path, line, gettext_noop("'rate_hz' must be a positive number"))
        pred.rate_hz = float(rate)
    if obj.get("t") is not None:
        t = _numbers(obj["t"], path, line, "t")
        if np.isnan(t).any() or (np.diff(t) <= 0).any():
            raise _fail(path, line, gettext_noop("'t' must be increasing times in seconds"))
        lengths = {v.size for v in pred.traces.values()}
        if lengths - {t.size}:
            raise _fail(path, line, gettext_noop("'t' and the trace values differ in length"))
        pred.t = t
    return pred


def _read_jsonl(text: str, path: Path) -> list[tuple[int, Any]]:
    out = []
    for number, raw in enumerate(text_lines(text), start=1):
        if not raw.strip():
            continue
        try:
            out.append((number, json.loads(raw)))
        except (json.JSONDecodeError, RecursionError) as exc:
            error = getattr(exc, "msg", "nested too deeply")
            raise _fail(path, number, gettext_noop("invalid JSON: %(error)s"), error=error) from exc
    return out


def _read_csv(text: str, path: Path) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _csv_rows(reader, path)
    except csv.Error as exc:  # a cell over csv.field_size_limit(), a stray quote...
        raise _fail(
            path, reader.line_num, gettext_noop("not valid CSV (%(error)s)"), error=str(exc)
        ) from exc


def _csv_rows(reader: "csv.DictReader[str]", path: Path) -> list[tuple[int, Any]]:
    if not reader.fieldnames or "clip_id" not in [f.strip() for f in reader.fieldnames]:
        raise _fail(path, 1, gettext_noop("the CSV header needs a 'clip_id' column"))
    out = []
    for row in reader:
        if None in row:
            raise _fail(path, reader.line_num, gettext_noop("more cells than header columns"))
        cleaned = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        if not any(cleaned.values()):
            continue
        out.append((reader.line_num, {k: (v if v != "" else None) for k, v in cleaned.items()}))
    return out


def read_rows(path: Path) -> tuple[bool, list[tuple[int, Any]]]:
    """A predictions file's records as (line, object): whether it is CSV (its cells are text,
    ``None`` when empty), and the rows. Also read by the model-draft import."""
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PipelineError(gettext_noop("%(file)s: not UTF-8 text"), file=path.name) from exc
    if not text.strip():
        raise PipelineError(gettext_noop("%(file)s: no predictions"), file=path.name)
    is_csv = path.suffix.lower() == ".csv" or (
        path.suffix.lower() not in (".jsonl", ".json", ".ndjson") and text.lstrip()[0] != "{"
    )
    return is_csv, _read_csv(text, path) if is_csv else _read_jsonl(text, path)


def read_predictions(path: Path, schema: LabelSchema, dims: list[str]) -> dict[str, Prediction]:
    is_csv, rows = read_rows(path)
    out: dict[str, Prediction] = {}
    for line, obj in rows:
        pred = _record(obj, schema, [] if is_csv else dims, path, line)
        if pred.clip_id in out:
            first = out[pred.clip_id].line
            raise _fail(
                path,
                line,
                gettext_noop("clip %(clip)s again (first on line %(first)s)"),
                clip=repr(pred.clip_id),
                first=first,
            )
        out[pred.clip_id] = pred
    return out


def _match(answer: Any, labels: tuple[str, ...]) -> str | None:
    if not isinstance(answer, str):
        return None
    folded = {v.casefold(): v for v in labels}
    return folded.get(answer.strip().casefold())


def single_label_scores(
    y_true: list[str], y_pred: list[str | None], labels: tuple[str, ...]
) -> dict[str, Any]:
    """``y_pred`` holds label-set values or None (outside the set, or missing)."""
    n = len(y_true)
    present = set(y_true) | {p for p in y_pred if p is not None}
    classes = [v for v in labels if v in present]
    per_class: dict[str, dict[str, float]] = {}
    for c in classes:
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred, strict=True))
        predicted = sum(p == c for p in y_pred)
        support = sum(t == c for t in y_true)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    supports = sum(v["support"] for v in per_class.values())
    return {
        "n": n,
        "accuracy": sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / n if n else None,
        "macro_f1": float(np.mean([v["f1"] for v in per_class.values()])) if classes else None,
        "weighted_f1": sum(v["f1"] * v["support"] for v in per_class.values()) / supports
        if supports
        else None,
        "per_class": per_class,
    }


def set_scores(truth: list[set[str]], predicted: list[set[str]]) -> dict[str, Any]:
    f1s, jaccards = [], []
    for g, p in zip(truth, predicted, strict=True):
        both = len(g & p)
        f1s.append(2 * both / (len(g) + len(p)) if g or p else 1.0)
        jaccards.append(both / len(g | p) if g or p else 1.0)
    n = len(truth)
    return {
        "n": n,
        "samples_f1": float(np.mean(f1s)) if n else None,
        "samples_jaccard": float(np.mean(jaccards)) if n else None,
    }


def ccc(x: Floats, y: Floats) -> float:
    """Lin's concordance correlation over samples where both are finite (NaN below 2)."""
    mask = np.isfinite(x) & np.isfinite(y)
    if mask.sum() < 2:
        return math.nan
    a, b = x[mask], y[mask]
    ma, mb = a.mean(), b.mean()
    denominator = a.var() + b.var() + (ma - mb) ** 2
    if denominator == 0:
        return 1.0  # both constant and equal
    return float(2 * ((a - ma) * (b - mb)).mean() / denominator)


def resample(values: Floats, times: Floats, grid: Floats) -> Floats:
    ok = np.isfinite(values)
    out = np.full(grid.shape, math.nan)
    if ok.sum() < 1:
        return out
    inside = (grid >= times[ok][0]) & (grid <= times[ok][-1])
    out[inside] = np.interp(grid[inside], times[ok], values[ok])
    return out


def _gold_traces(release_dir: Path, clip_ids: set[str], dims: list[str]) -> dict[str, Any]:
    """Clip id -> {"t": times, <dimension>: values (NaN where null)} of the gold traces."""
    import pyarrow.parquet as pq  # here: scoring is the only reader in the web processes

    path = release_dir / "data" / "traces.parquet"
    if not path.is_file():
        return {}
    names = set(pq.read_schema(path).names)
    table = pq.read_table(
        path,
        columns=["clip_id", "t", *(d for d in dims if d in names)],
        filters=[("annotator", "=", "gold")],
    )
    ids = np.asarray(table.column("clip_id").to_pylist(), dtype=object)
    columns = {
        name: table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
        for name in table.column_names
        if name != "clip_id"
    }
    out: dict[str, Any] = {}
    for clip_id in sorted(clip_ids & set(ids.tolist())):
        rows = ids == clip_id
        entry = {name: values[rows] for name, values in columns.items()}
        for d in dims:
            entry.setdefault(d, np.full(int(rows.sum()), math.nan))
        out[clip_id] = entry
    return out


def _trace_scores(
    gold: dict[str, Any], preds: dict[str, Prediction], dims: list[str], rate: float
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dim in dims:
        if not any(dim in p.traces for p in preds.values()):
            continue
        per_clip: dict[str, float | None] = {}
        missing = 0
        for clip_id in sorted(gold):
            pred = preds.get(clip_id)
            if pred is None or dim not in pred.traces:
                missing += 1
                per_clip[clip_id] = None
                continue
            values = pred.traces[dim]
            times = (
                pred.t if pred.t is not None else np.arange(values.size) / (pred.rate_hz or rate)
            )
            grid = gold[clip_id]["t"]
            per_clip[clip_id] = ccc(resample(values, times, grid), gold[clip_id][dim])
        scored = [0.0 if v is None or math.isnan(v) else v for v in per_clip.values()]
        out[dim] = {
            "n_clips": len(per_clip),
            "n_missing": missing,
            "ccc_mean": float(np.mean(scored)) if scored else None,
            "per_clip": per_clip,
        }
    return out


def _primary_block(
    schema: LabelSchema, gold: list[dict[str, Any]], preds: dict[str, Prediction]
) -> dict[str, Any] | None:
    name = schema.primary or ""
    layer = schema.layer(name)
    if layer is None or not any(name in p.labels for p in preds.values()):
        return None
    rows = [r for r in gold if isinstance(r.get(name), str) and r[name] != UNSURE]
    answers = [preds[r["clip_id"]].labels.get(name) if r["clip_id"] in preds else None
               for r in rows]  # fmt: skip
    y_pred = [_match(a, layer.values) for a in answers]
    scores = single_label_scores([r[name] for r in rows], y_pred, layer.values)
    scores["n_missing"] = sum(a is None for a in answers)
    scores["n_outside_label_set"] = sum(a is not None and p is None
                                        for a, p in zip(answers, y_pred, strict=True))  # fmt: skip
    return scores


def _secondary_block(
    schema: LabelSchema, gold: list[dict[str, Any]], preds: dict[str, Prediction]
) -> dict[str, Any] | None:
    name = schema.secondary or ""
    layer = schema.layer(name)
    if layer is None or not any(name in p.labels for p in preds.values()):
        return None
    truth, predicted = [], []
    for r in gold:
        labels = r.get(name)
        if not isinstance(labels, list) or not labels or UNSURE in labels:
            continue
        answer = preds[r["clip_id"]].labels.get(name) if r["clip_id"] in preds else None
        truth.append(set(labels))
        # A label outside the set stays a distinct (never correct) answer.
        predicted.append({_match(a, layer.values) or f"\x00{a}" for a in (answer or [])})
    return set_scores(truth, predicted)


def score(release_dir: Path | str, predictions: Path | str, split: str = "test") -> dict[str, Any]:
    """Scores of ``predictions`` against the gold of ``split`` (see the module docstring)."""
    release_dir, predictions = Path(release_dir), Path(predictions)
    manifest = json.loads((release_dir / "release.json").read_text("utf-8"))
    schema = LabelSchema.parse(manifest["label_schema"])
    trace_config = manifest.get("trace_config") or {}
    dims = [str(d["name"]) for d in trace_config.get("dimensions", [])]
    split_file = release_dir / "splits" / f"{split}.txt"
    if not split_file.is_file():
        raise PipelineError(gettext_noop("no split %(split)s in this release"), split=repr(split))
    clip_ids = {line for line in text_lines(split_file.read_text("utf-8")) if line}
    lines = text_lines((release_dir / "data" / "gold.jsonl").read_text("utf-8"))
    gold = [row for row in map(json.loads, filter(None, lines)) if row["clip_id"] in clip_ids]
    preds = read_predictions(predictions, schema, dims)
    result: dict[str, Any] = {
        "release": manifest["version"],
        "split": split,
        "n_clips": len(clip_ids),
        "n_predictions": len(preds),
        "n_predictions_outside_split": sum(c not in clip_ids for c in preds),
    }
    for name, block in (
        (schema.primary, _primary_block(schema, gold, preds)),
        (schema.secondary, _secondary_block(schema, gold, preds)),
    ):
        if name and block is not None:
            result[name] = block
    for layer in schema:
        if layer.name in (schema.primary, schema.secondary):
            continue
        answers = [preds[r["clip_id"]].labels.get(layer.name) if r["clip_id"] in preds else None
                   for r in gold]  # fmt: skip
        if any(a is not None for a in answers):
            block = layer_type(layer.type).prediction_scores(layer, gold, answers)
            result |= {layer.name: block} if block is not None else {}
    gold_traces = _gold_traces(release_dir, clip_ids, dims)
    traces = _trace_scores(gold_traces, preds, dims, float(trace_config.get("rate_hz", 25)))
    if traces:
        result["traces"] = traces
    return dict(clean(result))
