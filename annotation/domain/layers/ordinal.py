"""An ordinal layer (intensity 1–5): one integer on a scale."""

from collections.abc import Mapping
from statistics import median_low
from typing import Any, ClassVar

import numpy as np

from annotation.agreement.categorical import Ratings
from annotation.agreement.report import ordinal_report
from annotation.domain.errors import DomainError, _, require
from annotation.domain.layers.base import Json, LabelTable, LayerReport, LayerType, ReportContext
from annotation.domain.layers.paired import label_pairs
from annotation.domain.metrics import SCALE
from annotation.domain.spec import LayerSpec


def scale(layer: LayerSpec) -> tuple[int, int]:
    assert layer.min is not None and layer.max is not None, layer  # checked by check_spec
    return layer.min, layer.max


class Ordinal(LayerType):
    name = "ordinal"
    segment_role = "intensity"
    import_reader = "number"
    metric_families = (SCALE,)
    headline = ("krippendorff_alpha_ordinal",)
    figures_at = ()  # its report is one set of figures
    release_type = "int64"
    release_python = int
    any_value: ClassVar[Json] = {"type": "integer", "description": "ordinal: min..max"}

    def check_spec(self, raw: Mapping[str, Any], where: str) -> None:
        lo, hi = raw.get("min"), raw.get("max")
        require(
            isinstance(lo, int) and isinstance(hi, int) and lo < hi,
            where,
            _("an ordinal layer needs integer min < max"),
        )

    def value(self, layer: LayerSpec, value: Any, field: str) -> Any:
        lo, hi = scale(layer)
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(field, _("must be an integer"))
        if not lo <= value <= hi:
            raise DomainError(
                field, _("must be between %(min)s and %(max)s"), {"min": lo, "max": hi}
            )
        return value

    def aggregate(self, layer: LayerSpec, values: list[Any]) -> dict[str, Any]:
        """The lower median (a value on the scale)."""
        return {layer.name: median_low(values)}

    def levels(self, layer: LayerSpec) -> list[int]:
        lo, hi = scale(layer)
        return list(range(lo, hi + 1))

    def ratings(
        self,
        layer: LayerSpec,
        item: Any,
        rater: Any,
        values: list[int],
        n_items: int,
        n_raters: int,
    ) -> Ratings:
        """Ratings coded 0.. from the scale's minimum."""
        lo, _hi = scale(layer)
        codes = np.array([v - lo for v in values])
        return Ratings(
            item, rater, codes.astype(np.int64), n_items, n_raters, len(self.levels(layer))
        )

    def report(self, layer: LayerSpec, table: LabelTable, context: ReportContext) -> LayerReport:
        keep = np.array([layer.name in p for p in table.payloads], dtype=bool)
        ratings = self.ratings(
            layer,
            table.item[keep],
            table.rater[keep],
            [p[layer.name] for p in table.payloads if layer.name in p],
            len(table.clip_ids),
            len(table.rater_ids),
        )
        return LayerReport(ordinal_report(ratings, values=self.levels(layer)))

    def pair_figures(self, layer: LayerSpec, pairs: list[tuple[Any, Any]]) -> Json:
        return label_pairs(pairs, self.levels(layer))

    def value_schema(self, layer: LayerSpec) -> Json:
        lo, hi = scale(layer)
        return {"type": "integer", "minimum": lo, "maximum": hi}
