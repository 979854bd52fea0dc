"""One label layer as the schema stores it, typed. Which fields a layer uses (labels, or a
min–max scale) is its type's business (``annotation.domain.layers``)."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UNSURE = "Unsure"
UNSURE_ZH = "不确定"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, slots=True)
class Label:
    value: str
    en: str | None = None
    zh: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> "Label":
        en, zh = raw.get("en"), raw.get("zh")
        return cls(
            str(raw["value"]),
            en if isinstance(en, str) else None,
            zh if isinstance(zh, str) else None,
        )

    def to_json(self) -> dict[str, str]:
        out = {"value": self.value}
        out |= {"en": self.en} if self.en is not None else {}
        return out | ({"zh": self.zh} if self.zh is not None else {})


@dataclass(frozen=True, slots=True)
class LayerSpec:
    name: str
    type: str  # a key of the layer-type registry
    title: Mapping[str, str] = field(default_factory=dict)  # {"en": ..., "zh": ...}
    labels: tuple[Label, ...] = ()
    allow_unsure: bool = False
    required: bool = False
    min: int | None = None
    max: int | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """The label values in schema order, without "Unsure"."""
        return tuple(label.value for label in self.labels)

    @property
    def classes(self) -> tuple[str, ...]:
        """The values an annotator may give: the labels, then "Unsure" when allowed."""
        return (*self.values, UNSURE) if self.allow_unsure else self.values

    @property
    def zh(self) -> dict[str, str]:
        """value -> Chinese name ("" when the schema gives none)."""
        return {label.value: label.zh or "" for label in self.labels}

    def title_in(self, language: str) -> str:
        """The title in ``language`` ("en"/"zh"), its name when the schema gives none."""
        return self.title.get(language) or self.name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        out |= {"title": dict(self.title)} if self.title else {}
        out["type"] = self.type
        out |= {"labels": [label.to_json() for label in self.labels]} if self.labels else {}
        out |= {"min": self.min, "max": self.max} if self.min is not None else {}
        out |= {"allow_unsure": True} if self.allow_unsure else {}
        return out | {"required": self.required}
