"""Project-level configuration defaults: EmoS's two label layers, trace and routing settings;
and the API's checks of edited settings, which parse them with ``annotation.domain`` and turn
its ``DomainError`` into ``Invalid`` in the request's language.

Label names carry English and Simplified Chinese so the interface and releases can show both.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.utils.translation import gettext

from annotation.domain.errors import DomainError
from annotation.domain.layers import layer_type
from annotation.domain.schema import DEFAULT_MIN_COVERAGE, LabelSchema, RoutingRule, TraceConfig
from annotation.errors import Invalid

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


def primary_label_text(
    schema: LabelSchema | Mapping[str, Any], payload: dict[str, Any], language: str
) -> str:
    """A static clip's primary label in the reader's language, for lists of labels; "" when
    the payload has none."""
    schema = LabelSchema.of(schema)
    layer = schema.layer(schema.primary)
    value = payload.get(layer.name) if layer else None
    if layer is None or not isinstance(value, str):
        return ""
    label = next((label for label in layer.labels if label.value == value), None)
    text = label and (label.zh if language.startswith("zh") else label.en)
    return text or value


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
    return RoutingRule().to_json()


# --- validation of project settings ----------------------------------------------------------


T = TypeVar("T")


def _checked(parse: Callable[[Any], T], raw: Any) -> T:
    """``parse(raw)``, its DomainError as the API's Invalid, translated."""
    try:
        return parse(raw)
    except DomainError as error:
        raise Invalid.of(error) from None


def parse_label_schema(raw: Any) -> LabelSchema:
    """The typed schema; Invalid naming the field (``label_schema.layers[1].labels[0].value``)."""
    return _checked(LabelSchema.parse, raw)


def validate_label_schema(schema: Any) -> None:
    parse_label_schema(schema)


def validate_trace_config(config: Any) -> None:
    _checked(TraceConfig.parse, config)


# The most labels adaptive overlap may ask per clip: as many as ``overlap_k`` may be (and far
# below what the clip's small-integer target column holds).
MAX_LABELS_PER_CLIP = 50


def validate_overlap(config: Any, k: int, label_schema: Any) -> None:
    """``config`` is a valid overlap setting for a project of ``label_schema`` (adaptive
    overlap needs a primary layer a Dawid–Skene model can fit)."""
    from annotation.quality.overlap import AdaptiveOverlap, overlap_from_config  # numpy

    if not isinstance(config, dict):
        raise Invalid(gettext("must be an object"), field="overlap")
    try:
        policy, _schedule = overlap_from_config(config, k)
    except ValueError as exc:
        raise Invalid(
            gettext("not a valid overlap setting (%(error)s)") % {"error": exc}, field="overlap"
        ) from None
    if not isinstance(policy, AdaptiveOverlap):
        return
    if policy.k_max > MAX_LABELS_PER_CLIP:
        raise Invalid(
            gettext("must be at most %(max)s") % {"max": MAX_LABELS_PER_CLIP},
            field="overlap.k_max",
        )
    from annotation.routing import primary_layer

    if not layer_type(primary_layer(label_schema).type).dawid_skene:
        raise Invalid(
            gettext("adaptive overlap needs a single-label primary layer"), field="overlap"
        )


def validate_routing_rule(rule: Any) -> None:
    _checked(RoutingRule.parse, rule)
