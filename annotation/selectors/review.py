"""What adjudicators see beyond the labels: why a clip is disputed, and its traces overlaid."""

import math
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from annotation.agreement.overlay import trace_overlay
from annotation.models import ClipAgreement, Project, Trace
from annotation.routing import UNSURE_REASON
from annotation.selectors import clip_pseudonyms
from annotation.selectors.traces import clip_trace_matrix
from clips.models import Clip


def dispute_why(agreement: ClipAgreement | None, project: Project) -> list[str]:
    """The routing decision explained in the reader's language, from the stored figures
    against the project's current rule (the stored reason is the worker's English)."""
    if agreement is None:
        return [_("No agreement figures yet: sent to adjudication by an admin.")]
    rule, metrics = project.routing_rule, agreement.metrics or {}
    tier = {"high": _("high"), "medium": _("medium"), "low": _("low")}.get(agreement.tier, "—")
    why = [_("Tier: %(tier)s") % {"tier": tier}]
    if metrics.get("reason") == UNSURE_REASON:
        why.append(_("Most annotators chose “Unsure”."))
    if agreement.n_distinct is not None and agreement.n_annotations:
        why.append(
            _("%(distinct)s different labels from %(annotators)s annotators")
            % {"distinct": agreement.n_distinct, "annotators": agreement.n_annotations}
        )
    if metrics.get("ds_confidence") is not None:
        why.append(
            _("Dawid–Skene confidence %(value).2f (accepted from %(floor).2f)")
            % {"value": metrics["ds_confidence"], "floor": rule["min_confidence"]}
        )
    elif agreement.confidence is not None:
        why.append(
            _("Share agreeing with the majority %(value).2f (accepted from %(floor).2f)")
            % {"value": agreement.confidence, "floor": rule["min_confidence"]}
        )
    floor = rule.get("min_trace_ccc")
    if agreement.trace_ccc_min is not None:
        why.append(
            _("Lowest trace concordance (CCC) %(value).2f (accepted from %(floor)s)")
            % {"value": agreement.trace_ccc_min, "floor": "—" if floor is None else floor}
        )
    return why


def _json_floats(values: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else round(float(v), 4) for v in values.tolist()]


def clip_trace_overlay(clip: Clip) -> dict[str, Any]:
    """The clip's current finalised traces, pseudonymous and binned for a chart, with each
    annotator's reaction lag, the EWE aggregate (raw and lag-compensated) and CCC figures."""
    first = Trace.objects.filter(clip=clip).of_labels().values_list("config", flat=True).first()
    config = first or clip.project.trace_config
    found = clip_trace_matrix(clip) if first else None
    out: dict[str, Any] = {
        "rate_hz": config["rate_hz"],
        "dimensions": config["dimensions"],
        "step_s": 1 / config["rate_hz"],
        "n_points": 0,
        "series": [],
        "aggregate": None,
        "aggregate_compensated": None,
        "lag_s": {},
        "ccc": {},
    }
    if found is None:
        return out
    annotators, stacked = found
    names = clip_pseudonyms(clip)
    series: list[dict[str, Any]] = [
        {"annotator": names.get(a, "?"), "values": {}, "lag_s": {}} for a in annotators
    ]
    aggregate: dict[str, Any] = {"method": "ewe", "values": {}, "weights": {}}
    compensated: dict[str, Any] = {"method": "ewe", "values": {}}
    for d, dim in enumerate(config["dimensions"]):
        name = dim["name"]
        overlay = trace_overlay(stacked[:, :, d], float(config["rate_hz"]))
        out["step_s"], out["n_points"] = overlay["step_s"], overlay["n_points"]
        for i, entry in enumerate(series):
            entry["values"][name] = _json_floats(overlay["series"][i])
            lag = float(overlay["lag_s"][i])
            entry["lag_s"][name] = round(lag, 3) if math.isfinite(lag) else None
        aggregate["values"][name] = _json_floats(overlay["aggregate"])
        aggregate["weights"][name] = _json_floats(overlay["aggregate_weights"])
        compensated["values"][name] = _json_floats(overlay["aggregate_compensated"])
        out["lag_s"][name] = overlay["chosen_lag_s"]
        out["ccc"][name] = overlay["ccc"]
    series.sort(key=lambda entry: entry["annotator"])
    return {**out, "series": series, "aggregate": aggregate, "aggregate_compensated": compensated}
