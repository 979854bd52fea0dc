"""Read-only view of a project's label schema: which layer is which, labels in schema order."""

from dataclasses import dataclass
from typing import Any

UNSURE = "Unsure"


@dataclass(frozen=True)
class Layer:
    name: str
    type: str  # single | multi | ordinal
    labels: tuple[str, ...]  # values in schema order (without "Unsure")
    zh: dict[str, str]  # value -> Chinese name
    min: int = 0
    max: int = 0


@dataclass(frozen=True)
class LabelSchema:
    layers: tuple[Layer, ...]
    primary: str | None  # single layer used as the clip's primary label (Basic-7)
    secondary: str | None  # multi layer (GoEmotions)
    intensity: str | None  # ordinal layer
    text_fields: tuple[str, ...]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "LabelSchema":
        layers = []
        for entry in raw.get("layers", []):
            labels = entry.get("labels", [])
            layers.append(
                Layer(
                    name=str(entry["name"]),
                    type=str(entry["type"]),
                    labels=tuple(str(label["value"]) for label in labels),
                    zh={str(label["value"]): str(label.get("zh", "")) for label in labels},
                    min=int(entry.get("min", 0)),
                    max=int(entry.get("max", 0)),
                )
            )
        by_type: dict[str, str] = {}
        for layer in layers:
            by_type.setdefault(layer.type, layer.name)
        roles = raw.get("segments") or {}
        return cls(
            layers=tuple(layers),
            primary=roles.get("primary") or by_type.get("single"),
            secondary=roles.get("secondary") or by_type.get("multi"),
            intensity=roles.get("intensity") or by_type.get("ordinal"),
            text_fields=tuple(roles.get("text_fields", ("audio_cues", "visual_cues", "evidence"))),
        )

    def layer(self, name: str | None) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def order(self, name: str | None) -> tuple[str, ...]:
        """Labels of a layer in schema order, then "Unsure"."""
        layer = self.layer(name)
        return (*layer.labels, UNSURE) if layer else (UNSURE,)

    def bilingual(self, layer_name: str | None, value: str) -> str:
        """EmoS spelling "Anger/愤怒" when the schema knows the Chinese name."""
        layer = self.layer(layer_name)
        zh = layer.zh.get(value, "") if layer else ""
        return f"{value}/{zh}" if zh and zh != value else value
