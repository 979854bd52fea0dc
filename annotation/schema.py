"""Project-level configuration defaults: EmoS's two label layers, trace and routing settings.

Label names carry English and Simplified Chinese so the interface and releases can show both.
Validation of edited schemas lives with the workflow services; these are the starting values.
"""

from typing import Any

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
    }


def default_routing_rule() -> dict[str, Any]:
    """EmoS: accept when all annotators agree or the aggregate's confidence is >= 0.9."""
    return {
        "aggregator": "majority",
        "accept_unanimous": True,
        "min_confidence": 0.9,
        "min_trace_ccc": None,
    }
