"""PNG plots for the dataset card, byte-identical across runs: Matplotlib's Agg canvas (no
pyplot, no global backend switch), fixed size, DPI, font and style, and no ``Software``
metadata. Text is ASCII only (clip ids are shown by their file-safe names), so no font
fallback is involved."""

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from exports.pipeline.selection import Selection
from exports.pipeline.stats import Distribution, annotator_confusion

DPI = 100
STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "svg.hashsalt": "release",
    "path.simplify": True,
    "text.parse_math": False,  # label, layer and dimension names are text: "$" is a dollar
    "axes.prop_cycle": cycler(
        color=["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]
    ),
}
MAX_TRACE_CLIPS = 3


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode()


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _bars(ax: Axes, dist: Distribution, title: str) -> None:
    x = np.arange(len(dist.labels))
    width = 0.8 / max(len(dist.languages), 1)
    for i, lang in enumerate(dist.languages):
        values = [dist.counts[lang][label] for label in dist.labels]
        ax.bar(x + i * width - 0.4 + width / 2, values, width, label=lang)
    ax.set_xticks(x, [_ascii(label) for label in dist.labels])
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_ylabel("clips")
    ax.set_title(title)
    if dist.languages:
        ax.legend(title="language")


def label_distribution(
    sel: Selection, path: Path, primary: Distribution, secondary: Distribution
) -> Path:
    """``primary`` and ``secondary``: ``stats.primary_distribution`` and
    ``secondary_distribution`` of ``sel`` (the card shows them too)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(10, 4), dpi=DPI, layout="constrained")
        left, right = fig.subplots(1, 2)
        _bars(left, primary, f"gold {sel.schema.primary} label")
        _bars(right, secondary, f"gold {sel.schema.secondary} (top 10)")
        return _save(fig, path)


def confusion(sel: Selection, path: Path) -> Path | None:
    conf = annotator_confusion(sel)
    if not conf.counts.size:
        return None
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6, 5), dpi=DPI, layout="constrained")
        ax = fig.subplots()
        totals = conf.counts.sum(axis=1, keepdims=True)
        share = conf.counts / np.maximum(totals, 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
        for (i, j), n in np.ndenumerate(conf.counts):
            ax.text(j, i, str(n), ha="center", va="center",
                    color="white" if share[i, j] > 0.5 else "black")  # fmt: skip
        ax.set_xticks(range(len(conf.answers)), [_ascii(a) for a in conf.answers])
        ax.set_yticks(range(len(conf.gold)), [_ascii(g) for g in conf.gold])
        ax.tick_params(axis="x", labelrotation=45)
        ax.set_xlabel("first-layer answer")
        ax.set_ylabel("gold")
        ax.set_title(f"{sel.schema.primary}: annotators vs gold (latest answers)")
        return _save(fig, path)


def example_traces(sel: Selection, path: Path, dimensions: list[str]) -> Path | None:
    with_gold = sorted({t.clip_id for t in sel.traces if t.annotator == "gold"})
    clip_ids = with_gold[:MAX_TRACE_CLIPS]
    if not clip_ids:
        return None
    used = {d for t in sel.traces if t.clip_id in clip_ids for d in t.dimensions}
    dims = [d for d in dimensions if d in used]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(5 * len(dims), 2.4 * len(clip_ids)), dpi=DPI, layout="constrained")
        axes = np.asarray(fig.subplots(len(clip_ids), len(dims), squeeze=False))
        for r, clip_id in enumerate(clip_ids):
            for c, dim in enumerate(dims):
                ax = axes[r, c]
                for trace in (t for t in sel.traces if t.clip_id == clip_id):
                    if dim not in trace.dimensions:
                        continue
                    values = np.asarray(trace.samples, dtype=np.float64)[
                        :, trace.dimensions.index(dim)
                    ]
                    t = np.arange(values.size) / float(trace.rate_hz)
                    gold = trace.annotator == "gold"
                    ax.plot(
                        t,
                        values,
                        label=_ascii(trace.annotator),
                        color="black" if gold else None,
                        linewidth=2.0 if gold else 0.8,
                        alpha=1.0 if gold else 0.7,
                    )
                ax.set_title(f"{_ascii(clip_id)[:40]}: {dim}")
                ax.set_xlabel("seconds")
                if r == 0 and c == len(dims) - 1:
                    ax.legend(fontsize=7, loc="upper right")
        return _save(fig, path)
