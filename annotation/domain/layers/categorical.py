"""What the two label-choice types (single, multi) share: a list of labels in the schema, the
values an annotator may give, and the names importers know them by."""

from collections.abc import Mapping
from typing import Any

from annotation.domain.errors import _, require
from annotation.domain.layers.base import LayerType
from annotation.domain.spec import UNSURE, UNSURE_ZH, LayerSpec


class Categorical(LayerType):
    def check_spec(self, raw: Mapping[str, Any], where: str) -> None:
        labels = raw.get("labels")
        require(
            isinstance(labels, list) and len(labels) >= 2,
            f"{where}.labels",
            _("needs at least two labels"),
        )
        assert isinstance(labels, list)
        seen: set[str] = set()
        for j, label in enumerate(labels):
            value = label.get("value") if isinstance(label, dict) else None
            require(
                isinstance(value, str) and bool(value.strip()) and value != UNSURE,
                f"{where}.labels[{j}].value",
                _("must be a non-empty string other than %(unsure)s"),
                {"unsure": repr(UNSURE)},
            )
            require(
                value not in seen,
                f"{where}.labels[{j}].value",
                _("duplicate label %(label)s"),
                {"label": repr(value)},
            )
            seen.add(str(value))

    def import_names(self, layer: LayerSpec) -> list[tuple[str, list[str | None]]]:
        names: list[tuple[str, list[str | None]]] = [
            (label.value, [label.en, label.zh]) for label in layer.labels
        ]
        return [*names, (UNSURE, [UNSURE_ZH])] if layer.allow_unsure else names
