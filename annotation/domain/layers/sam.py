"""The Self-Assessment Manikin (Bradley & Lang, 1994, J. Behav. Ther. Exp. Psychiatry
25(1):49-59): valence, arousal and dominance, each on the 1-9 pictorial scale. A value is
``{"valence": v, "arousal": a, "dominance": d}``; each dimension is an ordinal scale of its
own, aggregated and reported one by one."""

from collections.abc import Mapping, Sequence
from statistics import median_low
from typing import Any, ClassVar

import numpy as np

from annotation.agreement.categorical import Ratings
from annotation.agreement.jsonsafe import clean_dict
from annotation.agreement.report import coverage, ordinal_report
from annotation.agreement.traces import ccc, icc
from annotation.domain.errors import DomainError, _, require
from annotation.domain.layers.base import (
    Json,
    LabelTable,
    LayerReport,
    LayerType,
    ReleaseColumn,
    ReportContext,
)
from annotation.domain.layers.paired import label_pairs
from annotation.domain.spec import LayerSpec, is_number

DIMENSIONS = ("valence", "arousal", "dominance")
# Their names for people (the dashboard's figures), marked for translation.
DIMENSION_NAMES = {"valence": _("valence"), "arousal": _("arousal"), "dominance": _("dominance")}
LO, HI = 1, 9  # the standard scale; a layer cannot change it
LEVELS = list(range(LO, HI + 1))


def _icc_figures(items: np.ndarray, raters: np.ndarray, values: np.ndarray) -> Json:
    """ICC(1,1) over the clips with the most common number of ratings k >= 2 (each clip its
    own raters: Shrout & Fleiss's case 1, which does not care which rater is which), and
    ICC(A,1) over the largest panel of clips that the same k >= 2 raters all rated (two-way
    random, absolute agreement; ``traces.icc`` drops targets with a missing rater, so the
    panel is built complete)."""
    by_item: dict[int, dict[int, float]] = {}
    for item, rater, value in zip(items.tolist(), raters.tolist(), values.tolist(), strict=True):
        by_item.setdefault(item, {})[rater] = float(value)
    rated = [r for r in by_item.values() if len(r) >= 2]
    out: Json = {"icc_1": None, "icc_a1": None, "icc_a1_n_items": 0}
    if not rated:
        return out
    sizes = [len(r) for r in rated]
    k = max(set(sizes), key=lambda n: (sizes.count(n), n))
    same_k = [list(r.values()) for r in rated if len(r) == k]
    if len(same_k) >= 2:
        out["icc_1"] = icc(np.array(same_k).T)["ICC1"]
    panels: dict[tuple[int, ...], list[dict[int, float]]] = {}
    for r in rated:
        panels.setdefault(tuple(sorted(r)), []).append(r)
    who, clips = max(panels.items(), key=lambda p: (len(p[1]), len(p[0])))
    if len(clips) >= 2:
        out["icc_a1"] = icc(np.array([[c[w] for c in clips] for w in who]))["ICC2"]
        out["icc_a1_n_items"] = len(clips)
    return out


class SAM(LayerType):
    name = "sam"
    headline = ("krippendorff_alpha_interval", "icc_a1")
    figures_at = ("dimensions", DIMENSIONS[0])  # the first group; ``figure_groups`` has all
    release_type = "int64"
    release_python = int
    any_value: ClassVar[Json] = {
        "type": "object",
        "description": "sam: valence, arousal, dominance, each 1..9",
        "properties": {d: {"type": "integer", "minimum": LO, "maximum": HI} for d in DIMENSIONS},
        "required": list(DIMENSIONS),
        "additionalProperties": False,
    }

    def check_spec(self, raw: Mapping[str, Any], where: str) -> None:
        for key in ("min", "max", "labels"):
            require(
                key not in raw,
                f"{where}.{key}",
                _("the Self-Assessment Manikin's scale is fixed (1–9 on each dimension)"),
            )

    def value(self, layer: LayerSpec, value: Any, field: str) -> Any:
        if not isinstance(value, dict):
            raise DomainError(
                field,
                _("must be an object with %(keys)s"),
                {"keys": ", ".join(DIMENSIONS)},
            )
        for key in value:
            if key not in DIMENSIONS:
                raise DomainError(f"{field}.{key}", _("is not a dimension of the manikin"))
        for dim in DIMENSIONS:
            given = value.get(dim)
            if isinstance(given, bool) or not isinstance(given, int):
                raise DomainError(f"{field}.{dim}", _("must be an integer"))
            if not LO <= given <= HI:
                raise DomainError(
                    f"{field}.{dim}",
                    _("must be between %(min)s and %(max)s"),
                    {"min": LO, "max": HI},
                )
        return {dim: value[dim] for dim in DIMENSIONS}

    def aggregate(self, layer: LayerSpec, values: list[Any]) -> dict[str, Any]:
        """The lower median of each dimension (a value on the scale)."""
        return {layer.name: {dim: median_low([v[dim] for v in values]) for dim in DIMENSIONS}}

    def vote(self, value: Any) -> Any:
        return tuple(value[dim] for dim in DIMENSIONS)

    def figure_groups(self, layer: LayerSpec) -> list[tuple[str | None, tuple[str, ...]]]:
        return [(DIMENSION_NAMES[dim], ("dimensions", dim)) for dim in DIMENSIONS]

    def report(self, layer: LayerSpec, table: LabelTable, context: ReportContext) -> LayerReport:
        keep = np.array([layer.name in p for p in table.payloads], dtype=bool)
        items, raters = table.item[keep], table.rater[keep]
        given = [p[layer.name] for p in table.payloads if layer.name in p]
        dimensions: Json = {}
        for dim in DIMENSIONS:
            values = np.array([v[dim] for v in given], dtype=np.int64)
            ratings = Ratings(
                items, raters, values - LO, len(table.clip_ids), len(table.rater_ids), len(LEVELS)
            )
            figures = ordinal_report(ratings, values=LEVELS)
            del figures["coverage"]  # the layer's, below
            dimensions[dim] = figures | clean_dict(_icc_figures(items, raters, values))
        n_items = int((np.bincount(items, minlength=len(table.clip_ids)) >= 2).sum())
        report = {"coverage": coverage(n_items), "n_items": n_items, "dimensions": dimensions}
        return LayerReport(report)

    def pair_figures(self, layer: LayerSpec, pairs: list[tuple[Any, Any]]) -> Json:
        """``agreement``: the share of clips rated identically on every dimension; ``kappa``:
        the mean of the dimensions' Cohen κ; each dimension's figures under its name."""
        per = {dim: label_pairs([(a[dim], b[dim]) for a, b in pairs], LEVELS) for dim in DIMENSIONS}
        kappas = [per[dim]["kappa"] for dim in DIMENSIONS]
        return {
            "n": len(pairs),
            "agreement": sum(a == b for a, b in pairs) / len(pairs) if pairs else None,
            "kappa": float(np.mean(kappas)) if pairs else None,
            "dimensions": per,
        }

    def release_columns(self, layer: LayerSpec) -> list[ReleaseColumn]:
        return [
            ReleaseColumn(
                f"{layer.name}_{dim}", "int64", f"SAM {dim} ({LO}–{HI}) of layer {layer.name!r}"
            )
            for dim in DIMENSIONS
        ]

    def release_column_cells(self, layer: LayerSpec, values: Sequence[Any]) -> list[list[Any]]:
        dicts = [value if isinstance(value, dict) else {} for value in values]
        return [
            [v if isinstance(v := value.get(dim), int) else None for value in dicts]
            for dim in DIMENSIONS
        ]

    def prediction_scores(
        self, layer: LayerSpec, gold: list[dict[str, Any]], predicted: list[Any]
    ) -> Json | None:
        """Per dimension, over the clips whose gold has it: mean absolute error, Pearson r and
        Lin's CCC of the predictions given (numbers; a missing or non-numeric one is left out
        and counted in ``n_missing``)."""
        out: Json = {}
        for dim, column in zip(DIMENSIONS, self.release_columns(layer), strict=True):
            truth, guess = [], []
            for row, answer in zip(gold, predicted, strict=True):
                if isinstance(row.get(column.name), int):
                    given: Any = answer.get(dim) if isinstance(answer, dict) else None
                    truth.append(float(row[column.name]))
                    guess.append(float(given) if is_number(given) else np.nan)
            t, g = np.array(truth), np.array(guess)
            ok = np.isfinite(g)
            t, g = t[ok], g[ok]
            spread = ok.sum() >= 2 and t.std() > 0 and g.std() > 0
            out[dim] = {
                "n": len(truth),
                "n_missing": int((~ok).sum()),
                "mae": float(np.abs(t - g).mean()) if g.size else None,
                "pearson": float(np.corrcoef(t, g)[0, 1]) if spread else None,
                "ccc": ccc(t, g) if g.size >= 2 else None,
            }
        return clean_dict(out)

    def value_schema(self, layer: LayerSpec) -> Json:
        return self.any_value
