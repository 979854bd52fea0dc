"""Validation of annotation payloads against a project's label schema.

Static clips: ``{"<layer>": value, ...}``; single layers take one label (or "Unsure"), multi
layers a list, ordinal layers an integer. Streaming clips: ``{"segments": [...]}``, each
segment with ``start``/``end`` seconds, the schema's segment layers and free-text fields.
Errors name the field, e.g. ``segments[2].end``.
"""

import math
from typing import Any

from django.utils.translation import gettext as _

from annotation.errors import Invalid
from annotation.schema import UNSURE

MAX_TEXT = 5000
MAX_SEGMENTS = 2000
# Media durations come from ffprobe rounded to the millisecond; a segment may end that late.
END_TOLERANCE_S = 0.05
SEGMENT_TEXT_KEYS = ("speaker", "transcript", "transcript_en", "transcript_zh")
STATIC_TEXT_KEYS = ("note",)


def _layers(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in schema["layers"]}


def _label_value(layer: dict[str, Any], value: Any, field: str) -> Any:
    kind = layer["type"]
    allowed = [label["value"] for label in layer.get("labels", [])]
    if layer.get("allow_unsure"):
        allowed.append(UNSURE)
    if kind == "single":
        if not isinstance(value, str) or value not in allowed:
            raise Invalid(
                _("%(value)s is not a label of %(layer)s")
                % {"value": repr(value), "layer": layer["name"]},
                field=field,
            )
        return value
    if kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid(_("must be a list of labels"), field=field)
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise Invalid(
                _("not labels of %(layer)s: %(values)s")
                % {"layer": layer["name"], "values": ", ".join(unknown)},
                field=field,
            )
        if len(set(value)) != len(value):
            raise Invalid(_("a label is repeated"), field=field)
        if UNSURE in value and len(value) > 1:
            raise Invalid(
                _("%(unsure)s cannot be combined with labels") % {"unsure": repr(UNSURE)},
                field=field,
            )
        return sorted(value, key=allowed.index)  # schema order: one spelling per set
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_("must be an integer"), field=field)
    if not layer["min"] <= value <= layer["max"]:
        raise Invalid(
            _("must be between %(min)s and %(max)s") % {"min": layer["min"], "max": layer["max"]},
            field=field,
        )
    return value


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid(_("must be text"), field=field)
    if len(value) > MAX_TEXT:
        raise Invalid(_("longer than %(max)s characters") % {"max": MAX_TEXT}, field=field)
    return value


def _static(
    schema: dict[str, Any], payload: dict[str, Any], *, complete: bool, prefix: str = ""
) -> dict[str, Any]:
    layers = _layers(schema)
    out: dict[str, Any] = {}
    for key, value in payload.items():
        field = f"{prefix}{key}"
        if key in layers:
            out[key] = _label_value(layers[key], value, field)
        elif key in STATIC_TEXT_KEYS:
            out[key] = _text(value, field)
        else:
            raise Invalid(_("unknown field"), field=field)
    if complete:
        for name, layer in layers.items():
            if layer.get("required") and name not in out:
                raise Invalid(_("required"), field=f"{prefix}{name}")
            if layer["type"] == "multi" and layer.get("required") and out.get(name) == []:
                raise Invalid(
                    _("choose at least one label (or %(unsure)s)") % {"unsure": UNSURE},
                    field=f"{prefix}{name}",
                )
    return out


def _segment(
    schema: dict[str, Any],
    raw: Any,
    field: str,
    *,
    duration_s: float | None,
    complete: bool,
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid(_("must be an object"), field=field)
    roles = schema.get("segments") or {}
    layers = _layers(schema)
    allowed_layers: set[str] = {
        str(roles[r]) for r in ("primary", "secondary", "intensity") if roles.get(r)
    }
    text_keys = {*roles.get("text_fields", []), *SEGMENT_TEXT_KEYS}
    out: dict[str, Any] = {}
    for key in ("start", "end"):
        value = raw.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise Invalid(_("must be a finite number of seconds"), field=f"{field}.{key}")
        out[key] = float(value)
    if out["start"] < 0:
        raise Invalid(_("must not be negative"), field=f"{field}.start")
    if out["end"] <= out["start"]:
        raise Invalid(_("must be after start"), field=f"{field}.end")
    if duration_s is not None and out["end"] > duration_s + END_TOLERANCE_S:
        raise Invalid(
            _("is past the end of the clip (%(duration).2f s)") % {"duration": duration_s},
            field=f"{field}.end",
        )
    for key, value in raw.items():
        if key in ("start", "end"):
            continue
        if key in allowed_layers:
            out[key] = _label_value(layers[key], value, f"{field}.{key}")
        elif key in text_keys:
            out[key] = _text(value, f"{field}.{key}")
        else:
            raise Invalid(_("unknown field"), field=f"{field}.{key}")
    if complete:
        for key in allowed_layers:
            if key not in out:
                raise Invalid(_("required"), field=f"{field}.{key}")
    return out


def validate_payload(
    schema: dict[str, Any],
    payload: Any,
    *,
    kind: str,
    duration_s: float | None,
    complete: bool,
) -> dict[str, Any]:
    """The payload, normalised (multi-label sets in schema order); Invalid when it breaks a rule.

    ``complete=False`` (drafts, imports of partial spreadsheets) lets required layers be absent
    but still checks every value that is there.
    """
    if not isinstance(payload, dict):
        raise Invalid(_("must be an object"), field="payload")
    if kind != "stream":
        return _static(schema, payload, complete=complete)
    unknown = set(payload) - {"segments", "note"}
    if unknown:
        raise Invalid(_("unknown field"), field=sorted(unknown)[0])
    raw_segments = payload.get("segments", [])
    if not isinstance(raw_segments, list):
        raise Invalid(_("must be a list"), field="segments")
    if len(raw_segments) > MAX_SEGMENTS:
        raise Invalid(_("more than %(max)s segments") % {"max": MAX_SEGMENTS}, field="segments")
    if complete and not raw_segments:
        raise Invalid(_("label at least one segment"), field="segments")
    segments = [
        _segment(schema, raw, f"segments[{i}]", duration_s=duration_s, complete=complete)
        for i, raw in enumerate(raw_segments)
    ]
    for i in range(1, len(segments)):
        if segments[i]["start"] < segments[i - 1]["end"] - 1e-6:
            raise Invalid(
                _(
                    "overlaps or precedes segment %(previous)s (segments must be in time order "
                    "and must not overlap)"
                )
                % {"previous": i - 1},
                field=f"segments[{i}].start",
            )
    out: dict[str, Any] = {"segments": segments}
    if "note" in payload:
        out["note"] = _text(payload["note"], "note")
    return out
