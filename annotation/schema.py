"""Project-level configuration defaults: EmoS's two label layers, trace and routing settings.

Label names carry English and Simplified Chinese so the interface and releases can show both.
Validation of edited schemas lives with the workflow services; these are the starting values.
"""

import math
from typing import Any

from django.utils.translation import gettext as _

from annotation.errors import Invalid

UNSURE = "Unsure"

BASIC7: list[tuple[str, str]] = [
    ("Anger", "愤怒"),
    ("Joy", "喜悦"),
    ("Sadness", "伤心"),
    ("Fear", "恐惧"),
    ("Disgust", "厌恶"),
    ("Surprise", "惊讶"),
    ("Neutral", "中性"),
]

GOEMOTIONS: list[tuple[str, str]] = [
    ("admiration", "钦佩"),
    ("amusement", "愉悦"),
    ("anger", "愤怒"),
    ("annoyance", "烦恼"),
    ("approval", "赞同"),
    ("caring", "关心"),
    ("confusion", "困惑"),
    ("curiosity", "好奇"),
    ("desire", "渴望"),
    ("disappointment", "失望"),
    ("disapproval", "不赞同"),
    ("disgust", "厌恶"),
    ("embarrassment", "尴尬"),
    ("excitement", "兴奋"),
    ("fear", "恐惧"),
    ("gratitude", "感激"),
    ("grief", "悲痛"),
    ("joy", "喜悦"),
    ("love", "爱"),
    ("nervousness", "紧张"),
    ("optimism", "乐观"),
    ("pride", "自豪"),
    ("realization", "领悟"),
    ("relief", "宽慰"),
    ("remorse", "懊悔"),
    ("sadness", "悲伤"),
    ("surprise", "惊讶"),
    ("neutral", "中性"),
]


def _labels(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": en, "en": en, "zh": zh} for en, zh in pairs]


def default_label_schema() -> dict[str, Any]:
    return {
        "version": 1,
        "layers": [
            {
                "name": "basic7",
                "title": {"en": "Basic emotion", "zh": "基本情绪"},
                "type": "single",
                "labels": _labels(BASIC7),
                "allow_unsure": True,
                "required": True,
            },
            {
                "name": "goemotions",
                "title": {"en": "GoEmotions", "zh": "细粒度情绪"},
                "type": "multi",
                "labels": _labels(GOEMOTIONS),
                "allow_unsure": True,
                "required": True,
            },
            {
                "name": "intensity",
                "title": {"en": "Intensity", "zh": "强度"},
                "type": "ordinal",
                "min": 1,
                "max": 5,
                "required": True,
            },
        ],
        "segments": {
            "primary": "basic7",
            "secondary": "goemotions",
            "intensity": "intensity",
            "text_fields": ["audio_cues", "visual_cues", "evidence"],
        },
    }


def primary_label_text(schema: dict[str, Any], payload: dict[str, Any], language: str) -> str:
    """A static clip's primary label (the first single-choice layer) in the reader's language,
    for lists of labels; "" when the payload has none."""
    layers = [layer for layer in schema.get("layers", []) if layer.get("type") == "single"]
    value = payload.get(layers[0]["name"]) if layers else None
    if not isinstance(value, str):
        return ""
    labels: list[dict[str, str]] = layers[0].get("labels", [])
    label = next((label for label in labels if label.get("value") == value), {})
    return label.get("zh" if language.startswith("zh") else "en") or value


# Below 90 % of a monologue traced, the annotator is asked to confirm: short gaps (a late
# start, the pointer off the pad for a moment) pass; a trace of a few seconds does not.
DEFAULT_MIN_COVERAGE = 0.9


def default_trace_config() -> dict[str, Any]:
    return {
        "rate_hz": 25,
        "dimensions": [
            {"name": "valence", "min": -1.0, "max": 1.0, "title": {"en": "Valence", "zh": "效价"}},
            {
                "name": "arousal",
                "min": -1.0,
                "max": 1.0,
                "title": {"en": "Arousal", "zh": "唤醒度"},
            },
        ],
        "chunk_seconds": 1.0,
        "min_coverage": DEFAULT_MIN_COVERAGE,
    }


def trace_min_coverage(config: dict[str, Any]) -> float:
    """The share of a clip a trace must cover before a submit goes through unconfirmed
    (configs stored before the setting existed get the default)."""
    return float(config.get("min_coverage", DEFAULT_MIN_COVERAGE))


def default_overlap() -> dict[str, Any]:
    """Every clip gets the project's k labels (``overlap_k``)."""
    return {"strategy": "fixed"}


def default_routing_rule() -> dict[str, Any]:
    """EmoS: accept when all annotators agree or the aggregate's confidence is >= 0.9."""
    return {
        "aggregator": "majority",
        "accept_unanimous": True,
        "min_confidence": 0.9,
        "medium_confidence": 0.8,
        "min_trace_ccc": None,
    }


# --- validation of project settings ----------------------------------------------------------

LAYER_TYPES = ("single", "multi", "ordinal")
AGGREGATORS = ("majority", "dawid_skene")


def _require(condition: bool, field: str, message: str) -> None:
    """``message`` is already translated (``gettext`` in the caller, so makemessages sees it)."""
    if not condition:
        raise Invalid(message, field=field)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_label_schema(schema: Any) -> None:
    """Raise Invalid naming the field (``label_schema.layers[1].labels[0].value``...)."""
    _require(isinstance(schema, dict), "label_schema", _("must be an object"))
    layers = schema.get("layers")
    _require(
        isinstance(layers, list) and bool(layers),
        "label_schema.layers",
        _("needs at least one layer"),
    )
    names: dict[str, str] = {}
    for i, layer in enumerate(layers):
        where = f"label_schema.layers[{i}]"
        _require(isinstance(layer, dict), where, _("must be an object"))
        name, kind = layer.get("name"), layer.get("type")
        _require(
            isinstance(name, str) and name.isidentifier() and name != "segments",
            f"{where}.name",
            _("must be an identifier other than %(name)s") % {"name": "'segments'"},
        )
        _require(
            name not in names,
            f"{where}.name",
            _("duplicate layer name %(name)s") % {"name": repr(name)},
        )
        _require(
            kind in LAYER_TYPES,
            f"{where}.type",
            _("must be one of %(choices)s") % {"choices": ", ".join(LAYER_TYPES)},
        )
        names[name] = kind
        if kind == "ordinal":
            lo, hi = layer.get("min"), layer.get("max")
            _require(
                isinstance(lo, int) and isinstance(hi, int) and lo < hi,
                where,
                _("an ordinal layer needs integer min < max"),
            )
            continue
        labels = layer.get("labels")
        _require(
            isinstance(labels, list) and len(labels) >= 2,
            f"{where}.labels",
            _("needs at least two labels"),
        )
        seen: set[str] = set()
        for j, label in enumerate(labels):
            value = label.get("value") if isinstance(label, dict) else None
            _require(
                isinstance(value, str) and bool(value.strip()) and value != UNSURE,
                f"{where}.labels[{j}].value",
                _("must be a non-empty string other than %(unsure)s") % {"unsure": repr(UNSURE)},
            )
            _require(
                value not in seen,
                f"{where}.labels[{j}].value",
                _("duplicate label %(label)s") % {"label": repr(value)},
            )
            seen.add(str(value))
    segments = schema.get("segments")
    if segments is not None:
        _require(isinstance(segments, dict), "label_schema.segments", _("must be an object"))
        for role, kind in (("primary", "single"), ("secondary", "multi"), ("intensity", "ordinal")):
            ref = segments.get(role)
            _require(
                ref is None or names.get(ref) == kind,
                f"label_schema.segments.{role}",
                _("must name a %(type)s layer") % {"type": kind},
            )
        _require(
            segments.get("primary") is not None, "label_schema.segments.primary", _("required")
        )


def validate_trace_config(config: Any) -> None:
    _require(isinstance(config, dict), "trace_config", _("must be an object"))
    rate = config.get("rate_hz")
    _require(_is_number(rate) and 1 <= rate <= 100, "trace_config.rate_hz", _("must be 1–100"))
    dims = config.get("dimensions")
    _require(
        isinstance(dims, list) and bool(dims), "trace_config.dimensions", _("needs a dimension")
    )
    for i, dim in enumerate(dims):
        where = f"trace_config.dimensions[{i}]"
        _require(
            isinstance(dim, dict) and isinstance(dim.get("name"), str), where, _("needs a name")
        )
        lo, hi = dim.get("min"), dim.get("max")
        _require(_is_number(lo) and _is_number(hi) and lo < hi, where, _("needs numbers min < max"))
    chunk = config.get("chunk_seconds", 1.0)
    _require(
        _is_number(chunk) and 0.1 <= chunk <= 10, "trace_config.chunk_seconds", _("must be 0.1–10")
    )
    minimum = config.get("min_coverage", DEFAULT_MIN_COVERAGE)
    _require(
        _is_number(minimum) and 0 <= minimum <= 1,
        "trace_config.min_coverage",
        _("must be 0–1 (a share of the clip)"),
    )


def validate_overlap(config: Any, k: int) -> None:
    from annotation.quality.overlap import overlap_from_config  # numpy: only when validating

    _require(isinstance(config, dict), "overlap", _("must be an object"))
    try:
        overlap_from_config(config, k)
    except ValueError as exc:
        raise Invalid(
            _("not a valid overlap setting (%(error)s)") % {"error": exc}, field="overlap"
        ) from None


def validate_routing_rule(rule: Any) -> None:
    _require(isinstance(rule, dict), "routing_rule", _("must be an object"))
    _require(
        rule.get("aggregator") in AGGREGATORS,
        "routing_rule.aggregator",
        _("must be one of %(choices)s") % {"choices": ", ".join(AGGREGATORS)},
    )
    _require(
        isinstance(rule.get("accept_unanimous"), bool),
        "routing_rule.accept_unanimous",
        _("boolean"),
    )
    for key in ("min_confidence", "medium_confidence"):
        value = rule.get(key, 0.8 if key == "medium_confidence" else None)
        _require(_is_number(value) and 0 <= value <= 1, f"routing_rule.{key}", _("must be 0–1"))
    floor = rule["min_confidence"]
    _require(
        rule.get("medium_confidence", 0.8) <= floor,
        "routing_rule.medium_confidence",
        _("must be at most the minimum confidence (%(floor)s): above it, no clip is medium")
        % {"floor": floor},
    )
    ccc = rule.get("min_trace_ccc")
    _require(
        ccc is None or (_is_number(ccc) and -1 <= ccc <= 1),
        "routing_rule.min_trace_ccc",
        _("must be null or -1–1"),
    )
