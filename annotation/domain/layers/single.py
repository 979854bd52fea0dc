"""A single-choice layer (Basic-7): one label per clip, or "Unsure"."""

from collections import Counter
from typing import Any, ClassVar

import numpy as np

from annotation.agreement import dawid_skene as ds
from annotation.agreement.categorical import Ratings
from annotation.agreement.report import single_label_report
from annotation.domain.errors import DomainError, _
from annotation.domain.layers.base import (
    DsFit,
    Json,
    LabelTable,
    LayerReport,
    PairFigure,
    ReportContext,
)
from annotation.domain.layers.categorical import Categorical
from annotation.domain.layers.paired import label_pairs
from annotation.domain.metrics import LABEL
from annotation.domain.spec import LayerSpec


class Single(Categorical):
    name = "single"
    segment_role = "primary"
    route_rank = 0
    dawid_skene = True
    import_reader = "label"
    metric_families = (LABEL,)
    headline = ("fleiss_kappa", "krippendorff_alpha_nominal")
    pair_figure = PairFigure("cohen_kappa_pairs", "kappa", "cohen_kappa")
    release_type = "string"
    release_python = str
    any_value: ClassVar[Json] = {"type": "string", "description": "single: one label or Unsure"}

    def value(self, layer: LayerSpec, value: Any, field: str) -> Any:
        if not isinstance(value, str) or value not in layer.classes:
            raise DomainError(
                field,
                _("%(value)s is not a label of %(layer)s"),
                {"value": repr(value), "layer": layer.name},
            )
        return value

    def aggregate(self, layer: LayerSpec, values: list[Any]) -> dict[str, Any]:
        """The majority label; none on a tie."""
        ranked = Counter(values).most_common()
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            return {layer.name: ranked[0][0]}
        return {}

    def ratings(self, layer: LayerSpec, table: LabelTable) -> Ratings:
        code = {c: i for i, c in enumerate(layer.classes)}
        name = layer.name
        keep = np.array([name in p and p[name] in code for p in table.payloads], dtype=bool)
        labels = np.array([code[p[name]] for p in table.payloads if name in p and p[name] in code])
        return Ratings(
            table.item[keep], table.rater[keep], labels.astype(np.int64),
            len(table.clip_ids), len(table.rater_ids), len(layer.classes),
        )  # fmt: skip

    def report(self, layer: LayerSpec, table: LabelTable, context: ReportContext) -> LayerReport:
        classes = list(layer.classes)
        code = {c: i for i, c in enumerate(classes)}
        gold = [code.get(str((g or {}).get(layer.name)), -1) for g in table.gold]
        report, model = single_label_report(
            self.ratings(layer, table),
            classes=classes,
            raters=table.rater_names,
            batches=table.batches,
            batch_names=table.batch_names,
            gold=np.array(gold, dtype=np.int64),
            high=context.high,
            medium=context.medium,
        )
        return LayerReport(report, _model_json(model, classes, table.rater_ids))

    def ds_fit(self, layer: LayerSpec, table: LabelTable) -> DsFit:
        model = ds.fit(self.ratings(layer, table))
        return DsFit(model, _model_json(model, list(layer.classes), table.rater_ids))

    def pair_figures(self, layer: LayerSpec, pairs: list[tuple[Any, Any]]) -> Json:
        return label_pairs(pairs, layer.classes)

    def value_schema(self, layer: LayerSpec) -> Json:
        return {"type": "string", "enum": list(layer.classes)}


def _model_json(model: ds.DawidSkene, classes: list[str], rater_ids: list[int]) -> Json:
    """A fitted model as stored (reports, adaptive overlap) and read by ``ds_posterior``."""
    return {
        "classes": classes,
        "priors": model.priors.tolist(),
        "confusion": {str(u): model.confusion[i].tolist() for i, u in enumerate(rater_ids)},
    }
