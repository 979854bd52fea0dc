"""The interface every layer type implements, and what it is given to do its part."""

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from annotation.agreement.dawid_skene import DawidSkene
from annotation.domain.spec import LayerSpec

Json = dict[str, Any]


@dataclass(slots=True)
class LabelTable:
    """A project's current static-clip layer-1 labels, indexed for the agreement engine."""

    item: npt.NDArray[np.int64]
    rater: npt.NDArray[np.int64]
    payloads: list[dict[str, Any]]
    clip_ids: list[int]
    rater_ids: list[int]
    rater_names: list[str]
    batches: npt.NDArray[np.int64]
    batch_names: list[str]
    gold: list[dict[str, Any] | None] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """The routing rule's thresholds, for the Dawid–Skene tiers of a report."""

    high: float
    medium: float


@dataclass(frozen=True, slots=True)
class LayerReport:
    report: Json
    model: Json | None = None  # a fitted model routing reuses (Dawid–Skene), if any


@dataclass(frozen=True, slots=True)
class ReleaseColumn:
    name: str
    type: str  # a release column type: string, list<string>, int64, float64, json
    description: str


@dataclass(frozen=True, slots=True)
class PairFigure:
    """The per-annotator-pair figure the dashboard lists: where the report keeps the pairs, the
    key of the value in each pair, and the metric it is (for its label)."""

    report_key: str
    value_key: str
    metric: str


@dataclass(frozen=True, slots=True)
class DsFit:
    fit: DawidSkene  # posteriors per clip of the table
    stored: Json  # classes, priors and confusion per rater id, as reports store the model


class LayerType(ABC):
    """One kind of label layer. Subclasses are stateless; the registry holds one of each."""

    name: ClassVar[str]
    # The segment role (``label_schema.segments``) a layer of this type fills, if any.
    segment_role: ClassVar[str | None] = None
    # Routing looks at the layer of the lowest rank; None: never routed on.
    route_rank: ClassVar[int | None] = None
    # Whether routing may follow the project's Dawid–Skene model on this layer.
    dawid_skene: ClassVar[bool] = False
    # How the spreadsheet importers read a cell: one label, a list of labels, a number on the
    # layer's min–max scale; None: the importers do not read this type.
    import_reader: ClassVar[Literal["label", "labels", "number"] | None] = None
    # The families of ``annotation.domain.metrics`` whose figures its report has.
    metric_families: ClassVar[tuple[str, ...]]
    # Keys into ``annotation.domain.metrics``: the dashboard's figures for such a layer.
    headline: ClassVar[tuple[str, ...]] = ()
    # Where in the layer's report its figures are: ("overall",) beside per-batch figures.
    # A type with several groups of figures (a dimensional type's dimensions) lists them in
    # ``figure_groups``; this is then its first group.
    figures_at: ClassVar[tuple[str, ...]] = ("overall",)
    pair_figure: ClassVar[PairFigure | None] = None
    # One release column per layer: its type and the Python type a published value has.
    release_type: ClassVar[str]
    release_python: ClassVar[type]
    # The JSON Schema of a value of any layer of this type (the API documents payloads of
    # every project with it); ``value_schema`` is one layer's, with its labels or scale.
    any_value: ClassVar[Json]

    @abstractmethod
    def check_spec(self, raw: Mapping[str, Any], where: str) -> None:
        """Raise DomainError when the stored layer ``raw`` lacks what this type needs."""

    @abstractmethod
    def value(self, layer: LayerSpec, value: Any, field: str) -> Any:
        """The value normalised (one spelling); DomainError naming ``field`` when invalid."""

    def check_complete(self, layer: LayerSpec, value: Any, field: str) -> None:  # noqa: B027
        """Raise when a required layer's value counts as not given (an empty set)."""

    @abstractmethod
    def aggregate(self, layer: LayerSpec, values: list[Any]) -> dict[str, Any]:
        """The aggregate's keys for this layer from the annotators' ``values`` (nothing on a
        tie); merged into the clip's aggregate payload."""

    def vote(self, value: Any) -> Hashable:
        """The value as a vote routing counts (hashable)."""
        return value  # type: ignore[no-any-return]

    @abstractmethod
    def report(self, layer: LayerSpec, table: LabelTable, context: ReportContext) -> LayerReport:
        """Encode the layer's labels for the agreement engine and compute its report."""

    def ds_fit(self, layer: LayerSpec, table: LabelTable) -> "DsFit | None":
        """The Dawid–Skene model fitted on the layer's labels, for types that have one
        (``dawid_skene``); None otherwise."""
        return None

    @abstractmethod
    def pair_figures(self, layer: LayerSpec, pairs: list[tuple[Any, Any]]) -> Json:
        """How two raters (a model and a person) agree on this layer: ``pairs`` of their
        values, one per clip (``annotation.domain.layers.paired``)."""

    def figure_groups(self, layer: LayerSpec) -> list[tuple[str | None, tuple[str, ...]]]:
        """(name msgid of the group or None, path in the layer's report) of each group of
        ``headline`` figures the dashboard shows."""
        return [(None, self.figures_at)]

    def import_names(self, layer: LayerSpec) -> list[tuple[str, list[str | None]]]:
        """(value, other names it is written as) for the importers' alias lookup."""
        return []

    def release_columns(self, layer: LayerSpec) -> list[ReleaseColumn]:
        return [
            ReleaseColumn(layer.name, self.release_type, f"{self.name} label layer {layer.name!r}")
        ]

    def release_column_cells(self, layer: LayerSpec, values: Sequence[Any]) -> list[list[Any]]:
        """The layer's cells of release rows whose values of it are ``values``: one list per
        ``release_columns`` column, null where a value is not publishable. Column by column:
        releases make millions of cells."""
        kind = self.release_python
        return [[value if isinstance(value, kind) else None for value in values]]

    def prediction_scores(
        self, layer: LayerSpec, gold: list[dict[str, Any]], predicted: list[Any]
    ) -> Json | None:
        """The score command's figures for a model's predictions of this layer: ``gold`` rows
        of a release (its ``release_columns``), the prediction for each (None: missing).
        None: the type is not scored this way (the primary and secondary layers have their
        own blocks)."""
        return None

    @abstractmethod
    def value_schema(self, layer: LayerSpec) -> Json:
        """The JSON Schema of a value of ``layer`` (for the API documentation)."""
