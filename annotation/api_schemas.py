"""JSON Schemas of the JSON the API stores and answers: the OpenAPI components behind every
``JSONField`` (label schema, payloads, routing rule, trace config, agreement figures...).

They describe what the services write and accept (``schema.py``, ``payloads.py``,
``routing.py``, ``trace_chunks.py``); validation stays there. A postprocessing hook adds the
components to the OpenAPI document; a serializer field points at one with ``documented``. The
front end's types are generated from them (``frontend/src/api/schema.d.ts``), so a shape
changed here shows up there.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.domain.layers import REGISTRY

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def label_value_schema() -> Schema:
    """A label layer's value, whatever its type: one of the registered layer types' values."""
    return {"oneOf": [kind.any_value for kind in REGISTRY.values()]}


def _map(values: Schema, description: str = "", **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "additionalProperties": values, **extra}
    return schema | ({"description": description} if description else {})


NUMBER_OR_NULL: Schema = {"type": "number", "nullable": True}
SHARE: Schema = {"type": "number", "minimum": 0, "maximum": 1}
LOCAL_TEXT: Schema = {
    "type": "object",
    "properties": {"en": {"type": "string"}, "zh": {"type": "string"}},
    "description": "English and Simplified Chinese",
}
TIERS = ("high", "medium", "low")

COMPONENTS: dict[str, Schema] = {
    "JsonValue": {
        "description": "Free-form JSON (audit details, report figures the reports define)",
        "nullable": True,
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": ref("JsonValue")},
            _map(ref("JsonValue")),
        ],
    },
    "FreeObject": _map(ref("JsonValue"), "Free-form: what it holds depends on its kind"),
    "LocalText": LOCAL_TEXT,
    "LabelValue": label_value_schema(),
    "LabelOption": {
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "en": {"type": "string"},
            "zh": {"type": "string"},
        },
        "required": ["value"],
    },
    "LabelLayer": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "An identifier other than 'segments'"},
            "title": ref("LocalText"),
            "type": {"type": "string", "enum": list(REGISTRY)},
            "labels": {"type": "array", "items": ref("LabelOption")},
            "allow_unsure": {"type": "boolean"},
            "required": {"type": "boolean"},
            "min": {"type": "integer", "description": "ordinal only"},
            "max": {"type": "integer", "description": "ordinal only"},
        },
        "required": ["name", "type"],
    },
    "Overlap": {
        "type": "object",
        "description": "How many first-layer labels a clip gets: the project's k (fixed), or "
        "more only while the Dawid–Skene posterior is below the threshold (adaptive)",
        "properties": {
            "strategy": {"type": "string", "enum": ["fixed", "adaptive"]},
            "threshold": SHARE,
            "k_max": {"type": "integer", "minimum": 1},
            "min_labels": {"type": "integer", "minimum": 1},
            "warmup": {"type": "integer", "minimum": 1},
            "refit_every": {"type": "integer", "minimum": 1},
        },
        "required": ["strategy"],
    },
    "SegmentRoles": {
        "type": "object",
        "description": "Which layers a monologue's segments carry, and their free-text fields",
        "properties": {
            "primary": {"type": "string"},
            "secondary": {"type": "string", "nullable": True},
            "intensity": {"type": "string", "nullable": True},
            "text_fields": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["primary"],
    },
    "LabelSchema": {
        "type": "object",
        "properties": {
            "version": {"type": "integer"},
            "layers": {"type": "array", "items": ref("LabelLayer"), "minItems": 1},
            "segments": ref("SegmentRoles"),
        },
        "required": ["layers"],
    },
    "RoutingRule": {
        "type": "object",
        "properties": {
            "aggregator": {"type": "string", "enum": ["majority", "dawid_skene"]},
            "accept_unanimous": {"type": "boolean"},
            "min_confidence": SHARE,
            "medium_confidence": {**SHARE, "description": "At most min_confidence"},
            "min_trace_ccc": {"type": "number", "minimum": -1, "maximum": 1, "nullable": True},
        },
        "required": ["aggregator", "accept_unanimous", "min_confidence"],
    },
    "TraceDimension": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "title": ref("LocalText"),
        },
        "required": ["name", "min", "max"],
    },
    "TraceConfig": {
        "type": "object",
        "properties": {
            "rate_hz": {"type": "number", "minimum": 1, "maximum": 100},
            "dimensions": {"type": "array", "items": ref("TraceDimension"), "minItems": 1},
            "chunk_seconds": {"type": "number", "minimum": 0.1, "maximum": 10},
            "min_coverage": {
                **SHARE,
                "description": "Below this share of the clip traced, a submit asks to confirm",
            },
        },
        "required": ["rate_hz", "dimensions"],
    },
    "StaticPayload": _map(
        ref("LabelValue"), "A static clip's labels by layer name, and an optional note"
    ),
    "SegmentPayload": {
        "type": "object",
        "description": "start/end seconds, the segment layers' values and free-text fields",
        "properties": {"start": {"type": "number"}, "end": {"type": "number"}},
        "additionalProperties": ref("LabelValue"),
    },
    "StreamPayload": {
        "type": "object",
        "properties": {
            "segments": {"type": "array", "items": ref("SegmentPayload")},
            "note": {"type": "string"},
        },
        "required": ["segments"],
    },
    "Payload": {"anyOf": [ref("StaticPayload"), ref("StreamPayload")]},
    "AggregateSegment": {
        "type": "object",
        "description": "A segment of the closest annotator's; null where the votes tie",
        "properties": {"start": {"type": "number"}, "end": {"type": "number"}},
        "additionalProperties": {"allOf": [ref("LabelValue")], "nullable": True},
    },
    "Aggregate": _map(
        {
            "anyOf": [
                ref("LabelValue"),
                _map({"type": "number"}, "<multi>_soft: each label's share of the votes"),
                {"type": "array", "items": ref("AggregateSegment")},
            ],
            "nullable": True,
        },
        "A static payload plus <multi>_soft shares; for a monologue, its segments",
    ),
    "ClipAgreementMetrics": _map(
        {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True},
        "top_share, ds_confidence, trace_ccc_min, reason...",
        properties={
            "top_share": {"type": "number"},
            "ds_confidence": {"type": "number"},
            "trace_ccc_min": {"type": "number"},
            "reason": {"type": "string"},
        },
    ),
    "ClipAgreement": {
        "type": "object",
        "properties": {
            "n_annotations": {"type": "integer"},
            "tier": {"type": "string", "enum": [*TIERS, ""], "description": "'': not routed"},
            "confidence": NUMBER_OR_NULL,
            "n_distinct": {"type": "integer", "nullable": True},
            "aggregate": ref("Aggregate"),
            "metrics": ref("ClipAgreementMetrics"),
            "computed_at": {"type": "string", "format": "date-time"},
        },
        "required": [
            "n_annotations",
            "tier",
            "confidence",
            "n_distinct",
            "aggregate",
            "metrics",
            "computed_at",
        ],
    },
    "TierShares": {
        "type": "object",
        "description": "Clips per Dawid–Skene tier",
        "properties": {tier: {"type": "number"} for tier in TIERS},
        "required": list(TIERS),
    },
    "ReportSummary": _map(
        _map({"anyOf": [ref("TierShares"), NUMBER_OR_NULL]}),
        "Per layer (and 'monologues'): headline figures by key; ds_tiers: Dawid–Skene tiers",
    ),
    "AgreementReportBody": {
        "type": "object",
        "description": "Figures per layer and for the monologues, as the report computes them",
        "properties": {
            "layers": _map(_map(ref("JsonValue"))),
            "monologues": _map(ref("JsonValue")),
        },
        "additionalProperties": ref("JsonValue"),
    },
    "GapReport": {
        "type": "object",
        "description": "What a finalised trace covers ({} while recording)",
        "properties": {
            "rate_hz": {"type": "number"},
            "n_samples": {"type": "integer"},
            "grid_length": {"type": "integer"},
            "coverage": {"type": "number"},
            "gaps": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
            "missing_seqs": {"type": "array", "items": {"type": "integer"}},
            "missing_seq_ranges": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "integer"}},
            },
            "missing_count": {"type": "integer"},
            "chunks": {"type": "integer"},
        },
    },
    "Layer1Trace": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "gaps": ref("GapReport")},
        "required": ["id", "gaps"],
    },
    "TraceValues": _map(
        {"type": "array", "items": NUMBER_OR_NULL}, "Per dimension, one value per grid point"
    ),
    "TraceAggregate": {
        "type": "object",
        "properties": {
            "method": {"type": "string"},
            "values": ref("TraceValues"),
            "weights": ref("TraceValues"),
        },
        "required": ["method", "values"],
    },
    "TraceOverlay": {
        "type": "object",
        "description": "Every annotator's trace on one grid; point i is at i * step_s",
        "properties": {
            "rate_hz": {"type": "number"},
            "step_s": {"type": "number"},
            "n_points": {"type": "integer"},
            "dimensions": {"type": "array", "items": ref("TraceDimension")},
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "annotator": {"type": "string"},
                        "values": ref("TraceValues"),
                        "lag_s": _map(NUMBER_OR_NULL, "Behind the earliest annotator, seconds"),
                    },
                    "required": ["annotator", "values", "lag_s"],
                },
            },
            "aggregate": {"allOf": [ref("TraceAggregate")], "nullable": True},
            "aggregate_compensated": {
                "allOf": [ref("TraceAggregate")],
                "nullable": True,
                "description": "Of the lag-compensated traces",
            },
            "lag_s": _map(NUMBER_OR_NULL, "Per dimension: the clip's reaction lag, seconds"),
            "ccc": _map(_map(NUMBER_OR_NULL), "Per dimension: pairwise_min, pairwise_mean..."),
        },
        "required": [
            "rate_hz",
            "step_s",
            "n_points",
            "dimensions",
            "series",
            "aggregate",
            "aggregate_compensated",
            "lag_s",
            "ccc",
        ],
    },
    "ReleaseOptions": {
        "type": "object",
        "properties": {
            "tiers": {"type": "array", "items": {"type": "string", "enum": list(TIERS)}},
            "provenances": {"type": "array", "items": {"type": "string"}},
            "split_ratios": {"type": "array", "items": {"type": "number"}},
            "seed": {"type": "integer"},
            "media": {"type": "string"},
            "resplit": {"type": "boolean"},
            "license": {"type": "string"},
            "citation": {"type": "string"},
            "homepage": {"type": "string"},
        },
    },
    "Scores": {
        "type": "object",
        "description": "Per scored layer (by name): accuracy, macro-F1, weighted-F1...",
        "properties": {
            "release": {"type": "string"},
            "split": {"type": "string"},
            "n_clips": {"type": "integer"},
            "n_predictions": {"type": "integer"},
            "n_predictions_outside_split": {"type": "integer"},
        },
        "additionalProperties": ref("JsonValue"),
    },
}


def add_components(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    return result


class ResponsesAsRendered(AutoSchema):
    """A model serializer renders every model field, defaulted or not: in an answer those are
    required (drf-spectacular leaves out the ones whose model field has a default). A field
    declared on the serializer keeps its own ``required``: a hand-built answer may omit it."""

    def _map_basic_serializer(self, serializer: Any, direction: str) -> Schema:
        schema: Schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and isinstance(serializer, serializers.ModelSerializer):
            rendered = set(schema["properties"]) - set(serializer._declared_fields)
            schema["required"] = sorted(set(schema.get("required", [])) | rendered)
        return schema


def _field_class(component: str, base: type[serializers.Field]) -> type[serializers.Field]:
    # A class, not an instance: DRF copies declared fields by building them anew from their
    # arguments, which would drop an annotation set on the instance.
    return extend_schema_field(ref(component))(type(f"{component}{base.__name__}", (base,), {}))


def documented(
    component: str,
    base: type[serializers.Field] = serializers.JSONField,
    **kwargs: Any,
) -> serializers.Field:
    """A ``base`` field documented as the named component (its JSON is not validated against
    it: the services do that)."""
    return _field_class(component, base)(**kwargs)


def free_object(**kwargs: Any) -> serializers.Field:
    """A JSON field documented as an object of free-form JSON (audit details, job reports)."""
    return documented("FreeObject", **kwargs)
