"""A multi-label layer (GoEmotions): a set of labels per clip, kept in schema order."""

from collections import Counter
from collections.abc import Hashable
from typing import Any, ClassVar

import numpy as np

from annotation.agreement.multilabel import SetRatings
from annotation.agreement.report import multi_label_report
from annotation.domain.errors import DomainError, _
from annotation.domain.layers.base import (
    Json,
    LabelTable,
    LayerReport,
    PairFigure,
    ReportContext,
)
from annotation.domain.layers.categorical import Categorical
from annotation.domain.layers.paired import set_pairs
from annotation.domain.metrics import LABEL_SET
from annotation.domain.spec import UNSURE, LayerSpec


class Multi(Categorical):
    name = "multi"
    segment_role = "secondary"
    route_rank = 1
    import_reader = "labels"
    metric_families = (LABEL_SET,)
    headline = ("krippendorff_alpha_masi", "jaccard_mean")
    pair_figure = PairFigure("pairs", "jaccard_mean", "jaccard_mean")
    release_type = "list<string>"
    release_python = list
    any_value: ClassVar[Json] = {
        "type": "array",
        "items": {"type": "string"},
        "description": "multi: labels",
    }

    def value(self, layer: LayerSpec, value: Any, field: str) -> Any:
        allowed = layer.classes
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DomainError(field, _("must be a list of labels"))
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise DomainError(
                field,
                _("not labels of %(layer)s: %(values)s"),
                {"layer": layer.name, "values": ", ".join(unknown)},
            )
        if len(set(value)) != len(value):
            raise DomainError(field, _("a label is repeated"))
        if UNSURE in value and len(value) > 1:
            raise DomainError(
                field, _("%(unsure)s cannot be combined with labels"), {"unsure": repr(UNSURE)}
            )
        return sorted(value, key=allowed.index)  # schema order: one spelling per set

    def check_complete(self, layer: LayerSpec, value: Any, field: str) -> None:
        if value == []:
            raise DomainError(
                field, _("choose at least one label (or %(unsure)s)"), {"unsure": UNSURE}
            )

    def aggregate(self, layer: LayerSpec, values: list[Any]) -> dict[str, Any]:
        """The labels more than half of the annotators chose, and each label's soft share."""
        counts = Counter(label for labels in values for label in labels)
        order = [*layer.values, UNSURE]
        return {
            layer.name: [v for v in order if counts[v] * 2 > len(values)],
            f"{layer.name}_soft": {
                v: round(counts[v] / len(values), 6) for v in order if counts[v]
            },
        }

    def vote(self, value: Any) -> Hashable:
        return tuple(value)

    def set_ratings(
        self, layer: LayerSpec, item: Any, rater: Any, values: list[Any], n_items: int
    ) -> SetRatings:
        return SetRatings.from_lists(item, rater, values, list(layer.classes), n_items=n_items)

    def report(self, layer: LayerSpec, table: LabelTable, context: ReportContext) -> LayerReport:
        keep = np.array([layer.name in p for p in table.payloads], dtype=bool)
        sets = self.set_ratings(
            layer,
            table.item[keep],
            table.rater[keep],
            [p[layer.name] for p in table.payloads if layer.name in p],
            len(table.clip_ids),
        )
        return LayerReport(
            multi_label_report(
                sets, raters=table.rater_names, batches=table.batches, batch_names=table.batch_names
            )
        )

    def pair_figures(self, layer: LayerSpec, pairs: list[tuple[Any, Any]]) -> Json:
        return set_pairs(pairs, layer.classes)

    def value_schema(self, layer: LayerSpec) -> Json:
        return {
            "type": "array",
            "items": {"type": "string", "enum": list(layer.classes)},
            "uniqueItems": True,
        }
