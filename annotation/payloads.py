"""Validation of annotation payloads against a project's label schema.

Static clips: ``{"<layer>": value, ...}``; single layers take one label (or "Unsure"), multi
layers a list, ordinal layers an integer. Streaming clips: ``{"segments": [...]}``, each
segment with ``start``/``end`` seconds, the schema's segment layers and free-text fields.
Errors name the field, e.g. ``segments[2].end``.
"""

import math
from typing import Any

from django.utils.translation import gettext as _

from annotation.domain.errors import DomainError
from annotation.domain.layers import layer_type
from annotation.domain.schema import LabelSchema
from annotation.domain.spec import LayerSpec
from annotation.errors import Invalid

MAX_TEXT = 5000
MAX_SEGMENTS = 2000
# Media durations come from ffprobe rounded to the millisecond; a segment may end that late.
END_TOLERANCE_S = 0.05
SEGMENT_TEXT_KEYS = ("speaker", "transcript", "transcript_en", "transcript_zh")
STATIC_TEXT_KEYS = ("note",)


def _label_value(layer: LayerSpec, value: Any, field: str) -> Any:
    try:
        return layer_type(layer.type).value(layer, value, field)
    except DomainError as error:
        raise Invalid.of(error) from None


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid(_("must be text"), field=field)
    if len(value) > MAX_TEXT:
        raise Invalid(_("longer than %(max)s characters") % {"max": MAX_TEXT}, field=field)
    return value


def _static(
    schema: LabelSchema, payload: dict[str, Any], *, complete: bool, prefix: str = ""
) -> dict[str, Any]:
    layers = {layer.name: layer for layer in schema}
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
            if not layer.required:
                continue
            if name not in out:
                raise Invalid(_("required"), field=f"{prefix}{name}")
            try:
                layer_type(layer.type).check_complete(layer, out[name], f"{prefix}{name}")
            except DomainError as error:
                raise Invalid.of(error) from None
    return out


def _segment(
    schema: LabelSchema,
    raw: Any,
    field: str,
    *,
    duration_s: float | None,
    complete: bool,
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid(_("must be an object"), field=field)
    roles = schema.segments
    allowed_layers = set(roles.layer_names())
    text_keys = {*(roles.text_fields if roles.stated else ()), *SEGMENT_TEXT_KEYS}
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
            layer = schema.layer(key)
            assert layer is not None  # the schema checks its roles name its layers
            out[key] = _label_value(layer, value, f"{field}.{key}")
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
    schema: LabelSchema | dict[str, Any],
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
    schema = LabelSchema.of(schema)
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
