"""A project's configuration, typed: the label schema, the routing rule and the trace config.
``parse`` checks the stored JSON once and raises ``DomainError`` naming the field as the API
reports it (``label_schema.layers[1].labels[0].value``); the JSON format itself is unchanged.
"""

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotation.domain.errors import _, require
from annotation.domain.layers import REGISTRY, layer_type, role_type
from annotation.domain.layers.base import LayerType
from annotation.domain.spec import UNSURE, Label, LayerSpec, is_number

ROLES = ("primary", "secondary", "intensity")
DEFAULT_TEXT_FIELDS = ("audio_cues", "visual_cues", "evidence")


@dataclass(frozen=True, slots=True)
class SegmentRoles:
    """Which layers a streaming clip's utterance segments carry (``label_schema.segments``)."""

    primary: str | None = None
    secondary: str | None = None
    intensity: str | None = None
    text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS
    stated: bool = False  # the schema has a ``segments`` object

    @classmethod
    def parse(cls, raw: Any, types: Mapping[str, str]) -> "SegmentRoles":
        """``types``: layer name -> type, to check each role names a layer of its type."""
        if raw is None:
            return cls()
        require(isinstance(raw, dict), "label_schema.segments", _("must be an object"))
        for role in ROLES:
            ref, kind = raw.get(role), role_type(role).name
            require(
                ref is None or types.get(ref) == kind,
                f"label_schema.segments.{role}",
                _("must name a %(type)s layer"),
                {"type": kind},
            )
        require(raw.get("primary") is not None, "label_schema.segments.primary", _("required"))
        return cls(
            primary=raw.get("primary"),
            secondary=raw.get("secondary"),
            intensity=raw.get("intensity"),
            text_fields=tuple(raw.get("text_fields", DEFAULT_TEXT_FIELDS)),
            stated=True,
        )

    def layer_names(self) -> list[str]:
        """The layers a segment carries, in role order."""
        return [name for name in (self.primary, self.secondary, self.intensity) if name]

    def to_json(self) -> dict[str, Any]:
        roles = {"primary": self.primary, "secondary": self.secondary, "intensity": self.intensity}
        return {k: v for k, v in roles.items() if v} | {"text_fields": list(self.text_fields)}


def _layer(raw: Any, i: int, names: dict[str, str]) -> LayerSpec:
    where = f"label_schema.layers[{i}]"
    require(isinstance(raw, dict), where, _("must be an object"))
    name, kind = raw.get("name"), raw.get("type")
    require(
        isinstance(name, str) and name.isidentifier() and name != "segments",
        f"{where}.name",
        _("must be an identifier other than %(name)s"),
        {"name": "'segments'"},
    )
    require(
        name not in names, f"{where}.name", _("duplicate layer name %(name)s"), {"name": repr(name)}
    )
    require(
        kind in REGISTRY,
        f"{where}.type",
        _("must be one of %(choices)s"),
        {"choices": ", ".join(REGISTRY)},
    )
    assert isinstance(name, str) and isinstance(kind, str)
    layer_type(kind).check_spec(raw, where)
    names[name] = kind
    title = raw.get("title")
    lo, hi = raw.get("min"), raw.get("max")
    return LayerSpec(
        name=name,
        type=kind,
        title={k: v for k, v in title.items() if isinstance(v, str)}
        if isinstance(title, dict)
        else {},
        labels=tuple(Label.parse(label) for label in raw.get("labels") or []),
        allow_unsure=bool(raw.get("allow_unsure")),
        required=bool(raw.get("required")),
        min=lo if isinstance(lo, int) else None,
        max=hi if isinstance(hi, int) else None,
    )


@dataclass(frozen=True, slots=True)
class LabelSchema:
    layers: tuple[LayerSpec, ...]
    segments: SegmentRoles = field(default_factory=SegmentRoles)
    version: int | None = None
    # The layer filling each segment role, found once (releases ask per clip).
    _roles: dict[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_roles", {role: self._find_role(role) for role in ROLES})

    @classmethod
    def parse(cls, raw: Any) -> "LabelSchema":
        """The schema, checked; DomainError naming the first field that breaks a rule."""
        require(isinstance(raw, dict), "label_schema", _("must be an object"))
        layers = raw.get("layers")
        require(
            isinstance(layers, list) and bool(layers),
            "label_schema.layers",
            _("needs at least one layer"),
        )
        types: dict[str, str] = {}
        parsed = tuple(_layer(layer, i, types) for i, layer in enumerate(layers))
        version = raw.get("version")
        return cls(
            parsed,
            SegmentRoles.parse(raw.get("segments"), types),
            version if isinstance(version, int) else None,
        )

    @classmethod
    def of(cls, schema: "LabelSchema | Mapping[str, Any]") -> "LabelSchema":
        """``schema`` parsed, unless it is already (functions take either). A project's schema
        is parsed once per process and spelling (every submit checks its payload against it):
        the result is immutable, so callers share it."""
        if isinstance(schema, LabelSchema):
            return schema
        try:
            text = json.dumps(schema)
        except (TypeError, ValueError):  # not JSON: parse says which field breaks a rule
            return cls.parse(schema)
        return _parsed(text)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.version} if self.version is not None else {}
        out["layers"] = [layer.to_json() for layer in self.layers]
        return out | ({"segments": self.segments.to_json()} if self.segments.stated else {})

    def __iter__(self) -> Iterator[LayerSpec]:
        return iter(self.layers)

    def layer(self, name: str | None) -> LayerSpec | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def kind(self, layer: LayerSpec) -> LayerType:
        return layer_type(layer.type)

    def role(self, role: str) -> str | None:
        """The layer filling a segment role: the one the schema names, else the first layer of
        the role's type (static-only schemas name none)."""
        return self._roles[role]

    def _find_role(self, role: str) -> str | None:
        named: str | None = getattr(self.segments, role)
        kind = role_type(role).name
        return named or next((layer.name for layer in self.layers if layer.type == kind), None)

    @property
    def primary(self) -> str | None:
        return self.role("primary")

    @property
    def secondary(self) -> str | None:
        return self.role("secondary")

    @property
    def intensity(self) -> str | None:
        return self.role("intensity")

    @property
    def text_fields(self) -> tuple[str, ...]:
        return self.segments.text_fields

    def routing_candidates(self) -> list[LayerSpec]:
        """The layers routing may look at, in order: the segment primary, then each layer of
        the routable types by rank (single before multi), in schema order."""
        ranked = sorted(
            (layer for layer in self.layers if layer_type(layer.type).route_rank is not None),
            key=lambda layer: layer_type(layer.type).route_rank or 0,
        )
        primary = self.layer(self.segments.primary)
        return [primary, *ranked] if primary is not None else ranked

    def order(self, name: str | None) -> tuple[str, ...]:
        """Labels of a layer in schema order, then "Unsure"."""
        layer = self.layer(name)
        return (*layer.values, UNSURE) if layer else (UNSURE,)

    def bilingual(self, layer_name: str | None, value: str) -> str:
        """EmoS spelling "Anger/愤怒" when the schema knows the Chinese name."""
        layer = self.layer(layer_name)
        zh = layer.zh.get(value, "") if layer else ""
        return f"{value}/{zh}" if zh and zh != value else value


AGGREGATORS = ("majority", "dawid_skene")
# EmoS's tiers: high >= 0.9 (or unanimous), medium 0.8–0.9, low below.
DEFAULT_MEDIUM_CONFIDENCE = 0.8


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> LabelSchema:
    return LabelSchema.parse(json.loads(text))


@dataclass(frozen=True, slots=True)
class RoutingRule:
    aggregator: str = "majority"
    accept_unanimous: bool = True
    min_confidence: float = 0.9
    medium_confidence: float = DEFAULT_MEDIUM_CONFIDENCE
    min_trace_ccc: float | None = None

    @classmethod
    def parse(cls, raw: Any) -> "RoutingRule":
        require(isinstance(raw, dict), "routing_rule", _("must be an object"))
        require(
            raw.get("aggregator") in AGGREGATORS,
            "routing_rule.aggregator",
            _("must be one of %(choices)s"),
            {"choices": ", ".join(AGGREGATORS)},
        )
        require(
            isinstance(raw.get("accept_unanimous"), bool),
            "routing_rule.accept_unanimous",
            _("boolean"),
        )
        floor = raw.get("min_confidence")
        medium = raw.get("medium_confidence", DEFAULT_MEDIUM_CONFIDENCE)
        for key, value in (("min_confidence", floor), ("medium_confidence", medium)):
            require(is_number(value) and 0 <= value <= 1, f"routing_rule.{key}", _("must be 0–1"))
        require(
            medium <= floor,
            "routing_rule.medium_confidence",
            _("must be at most the minimum confidence (%(floor)s): above it, no clip is medium"),
            {"floor": floor},
        )
        ccc = raw.get("min_trace_ccc")
        require(
            ccc is None or (is_number(ccc) and -1 <= ccc <= 1),
            "routing_rule.min_trace_ccc",
            _("must be null or -1–1"),
        )
        return cls(raw["aggregator"], raw["accept_unanimous"], floor, medium, ccc)

    @classmethod
    def of(cls, rule: "RoutingRule | Mapping[str, Any]") -> "RoutingRule":
        """A stored rule as it is, defaults filled in: checked when it was saved, and rules
        stored before a check existed keep working (a floor under the medium tier empties
        that tier, see ``report_medium``)."""
        if isinstance(rule, RoutingRule):
            return rule
        default = cls()
        return cls(
            str(rule.get("aggregator", default.aggregator)),
            bool(rule.get("accept_unanimous", default.accept_unanimous)),
            float(rule.get("min_confidence", default.min_confidence)),
            float(rule.get("medium_confidence", default.medium_confidence)),
            rule.get("min_trace_ccc"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "aggregator": self.aggregator,
            "accept_unanimous": self.accept_unanimous,
            "min_confidence": self.min_confidence,
            "medium_confidence": self.medium_confidence,
            "min_trace_ccc": self.min_trace_ccc,
        }

    def tier(self, confidence: float | None, unanimous: bool) -> str:
        """high (unanimous, or confident enough to accept), medium, or low."""
        if unanimous or (confidence is not None and confidence >= self.min_confidence):
            return "high"
        if confidence is not None and confidence >= self.medium_confidence:
            return "medium"
        return "low"

    @property
    def report_medium(self) -> float:
        """The medium threshold a report's tiers use: above the minimum, the medium tier is
        empty (routing checks "high" first)."""
        return min(self.medium_confidence, self.min_confidence)


# Below 90 % of a monologue traced, the annotator is asked to confirm: short gaps (a late
# start, the pointer off the pad for a moment) pass; a trace of a few seconds does not.
DEFAULT_MIN_COVERAGE = 0.9


@dataclass(frozen=True, slots=True)
class TraceDimension:
    name: str
    min: float
    max: float
    title: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TraceConfig:
    rate_hz: float
    dimensions: tuple[TraceDimension, ...]
    chunk_seconds: float = 1.0
    min_coverage: float = DEFAULT_MIN_COVERAGE

    @classmethod
    def parse(cls, raw: Any) -> "TraceConfig":
        require(isinstance(raw, dict), "trace_config", _("must be an object"))
        rate = raw.get("rate_hz")
        require(is_number(rate) and 1 <= rate <= 100, "trace_config.rate_hz", _("must be 1–100"))
        dims = raw.get("dimensions")
        require(
            isinstance(dims, list) and bool(dims), "trace_config.dimensions", _("needs a dimension")
        )
        parsed = []
        for i, dim in enumerate(dims):
            where = f"trace_config.dimensions[{i}]"
            require(
                isinstance(dim, dict) and isinstance(dim.get("name"), str), where, _("needs a name")
            )
            lo, hi = dim.get("min"), dim.get("max")
            require(
                is_number(lo) and is_number(hi) and lo < hi, where, _("needs numbers min < max")
            )
            title = dim.get("title")
            parsed.append(
                TraceDimension(dim["name"], lo, hi, dict(title) if isinstance(title, dict) else {})
            )
        chunk = raw.get("chunk_seconds", 1.0)
        require(
            is_number(chunk) and 0.1 <= chunk <= 10,
            "trace_config.chunk_seconds",
            _("must be 0.1–10"),
        )
        minimum = raw.get("min_coverage", DEFAULT_MIN_COVERAGE)
        require(
            is_number(minimum) and 0 <= minimum <= 1,
            "trace_config.min_coverage",
            _("must be 0–1 (a share of the clip)"),
        )
        return cls(rate, tuple(parsed), chunk, minimum)

    def to_json(self) -> dict[str, Any]:
        return {
            "rate_hz": self.rate_hz,
            "dimensions": [
                {"name": d.name, "min": d.min, "max": d.max}
                | ({"title": dict(d.title)} if d.title else {})
                for d in self.dimensions
            ],
            "chunk_seconds": self.chunk_seconds,
            "min_coverage": self.min_coverage,
        }
