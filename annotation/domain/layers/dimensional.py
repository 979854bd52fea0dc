"""Several ordinal dimensions on one fixed scale, rated together (the Self-Assessment
Manikin's valence, arousal and dominance; the Affect Grid's valence and arousal). A value is
``{dimension: integer}`` with every dimension; each dimension is a scale of its own,
aggregated, reported, published and scored one by one. A subclass names its dimensions, its
scale and its messages."""

from collections.abc import Mapping, Sequence
from statistics import median_low
from typing import Any, ClassVar

import numpy as np

from annotation.agreement.categorical import Ratings
from annotation.agreement.jsonsafe import clean_dict
from annotation.agreement.report import coverage, icc_figures, ordinal_report
from annotation.agreement.traces import ccc
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
from annotation.domain.metrics import ICC, SCALE
from annotation.domain.spec import LayerSpec, is_number


class Dimensional(LayerType):
    DIMENSIONS: ClassVar[tuple[str, ...]]
    # Their names for people (the dashboard's figure groups), msgids marked with ``_``.
    DIMENSION_NAMES: ClassVar[Mapping[str, str]]
    LO: ClassVar[int] = 1  # the standard scale; a layer cannot change it
    HI: ClassVar[int] = 9
    TITLE: ClassVar[str]  # the instrument's short name, in the release columns' descriptions
    # Messages (msgids): a layer that sets its own scale; a value with an unknown dimension.
    FIXED_SCALE: ClassVar[str]
    UNKNOWN_DIMENSION: ClassVar[str]

    metric_families = (SCALE, ICC)
    headline = ("krippendorff_alpha_interval", "icc_a1")
    release_type = "int64"
    release_python = int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.figures_at = ("dimensions", cls.DIMENSIONS[0])  # the first of ``figure_groups``
        cls.any_value = {
            "type": "object",
            "description": f"{cls.name}: {', '.join(cls.DIMENSIONS)}, each {cls.LO}..{cls.HI}",
            "properties": {
                d: {"type": "integer", "minimum": cls.LO, "maximum": cls.HI} for d in cls.DIMENSIONS
            },
            "required": list(cls.DIMENSIONS),
            "additionalProperties": False,
        }

    @property
    def levels(self) -> list[int]:
        return list(range(self.LO, self.HI + 1))

    def check_spec(self, raw: Mapping[str, Any], where: str) -> None:
        for key in ("min", "max", "labels"):
            require(key not in raw, f"{where}.{key}", self.FIXED_SCALE)

    def value(self, layer: LayerSpec, value: Any, field: str) -> Any:
        if not isinstance(value, dict):
            raise DomainError(
                field, _("must be an object with %(keys)s"), {"keys": ", ".join(self.DIMENSIONS)}
            )
        for key in value:
            if key not in self.DIMENSIONS:
                raise DomainError(f"{field}.{key}", self.UNKNOWN_DIMENSION)
        for dim in self.DIMENSIONS:
            given = value.get(dim)
            if isinstance(given, bool) or not isinstance(given, int):
                raise DomainError(f"{field}.{dim}", _("must be an integer"))
            if not self.LO <= given <= self.HI:
                raise DomainError(
                    f"{field}.{dim}",
                    _("must be between %(min)s and %(max)s"),
                    {"min": self.LO, "max": self.HI},
                )
        return {dim: value[dim] for dim in self.DIMENSIONS}

    def aggregate(self, layer: LayerSpec, values: list[Any]) -> dict[str, Any]:
        """The lower median of each dimension (a value on the scale)."""
        return {layer.name: {dim: median_low([v[dim] for v in values]) for dim in self.DIMENSIONS}}

    def vote(self, value: Any) -> Any:
        return tuple(value[dim] for dim in self.DIMENSIONS)

    def figure_groups(self, layer: LayerSpec) -> list[tuple[str | None, tuple[str, ...]]]:
        return [(self.DIMENSION_NAMES[dim], ("dimensions", dim)) for dim in self.DIMENSIONS]

    def report(self, layer: LayerSpec, table: LabelTable, context: ReportContext) -> LayerReport:
        """Per dimension: α ordinal and interval, and the ICCs; the items rated twice or more."""
        keep = np.array([layer.name in p for p in table.payloads], dtype=bool)
        items, raters = table.item[keep], table.rater[keep]
        given = [p[layer.name] for p in table.payloads if layer.name in p]
        levels = self.levels
        dimensions: Json = {}
        for dim in self.DIMENSIONS:
            values = np.array([v[dim] for v in given], dtype=np.int64)
            ratings = Ratings(
                items, raters, values - self.LO, len(table.clip_ids), len(table.rater_ids),
                len(levels),
            )  # fmt: skip
            figures = ordinal_report(ratings, values=levels)
            del figures["coverage"]  # the layer's, below
            dimensions[dim] = figures | icc_figures(items, raters, values)
        n_items = int((np.bincount(items, minlength=len(table.clip_ids)) >= 2).sum())
        report = {"coverage": coverage(n_items), "n_items": n_items, "dimensions": dimensions}
        return LayerReport(report)

    def pair_figures(self, layer: LayerSpec, pairs: list[tuple[Any, Any]]) -> Json:
        """``agreement``: the share of clips rated identically on every dimension; ``kappa``:
        the mean of the dimensions' Cohen κ; each dimension's figures under its name."""
        per = {
            dim: label_pairs([(a[dim], b[dim]) for a, b in pairs], self.levels)
            for dim in self.DIMENSIONS
        }
        return {
            "n": len(pairs),
            "agreement": sum(a == b for a, b in pairs) / len(pairs) if pairs else None,
            "kappa": float(np.mean([f["kappa"] for f in per.values()])) if pairs else None,
            "dimensions": per,
        }

    def release_columns(self, layer: LayerSpec) -> list[ReleaseColumn]:
        return [
            ReleaseColumn(
                f"{layer.name}_{dim}",
                "int64",
                f"{self.TITLE} {dim} ({self.LO}–{self.HI}) of layer {layer.name!r}",
            )
            for dim in self.DIMENSIONS
        ]

    def release_column_cells(self, layer: LayerSpec, values: Sequence[Any]) -> list[list[Any]]:
        dicts = [value if isinstance(value, dict) else {} for value in values]
        return [
            [v if isinstance(v := value.get(dim), int) else None for value in dicts]
            for dim in self.DIMENSIONS
        ]

    def prediction_scores(
        self, layer: LayerSpec, gold: list[dict[str, Any]], predicted: list[Any]
    ) -> Json | None:
        """Per dimension, over the clips whose gold has it: mean absolute error, Pearson r and
        Lin's CCC of the predictions given (numbers; a missing or non-numeric one is left out
        and counted in ``n_missing``)."""
        out: Json = {}
        for dim, column in zip(self.DIMENSIONS, self.release_columns(layer), strict=True):
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
