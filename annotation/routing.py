"""The routing rule: aggregate a clip's layer-1 labels and decide accept or dispute.

Pure: payloads in, a Decision out. Votes give majority and unanimity; the agreement engine
adds ``Evidence`` — the clip's Dawid–Skene label and posterior (used when the rule's aggregator
is ``dawid_skene``) and its lowest pairwise trace concordance (checked against
``min_trace_ccc``).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from annotation.domain.layers import layer_type
from annotation.domain.schema import LabelSchema, RoutingRule
from annotation.domain.spec import UNSURE, LayerSpec

Payload = dict[str, Any]
Schema = LabelSchema | Mapping[str, Any]  # the typed schema, or as stored
Rule = RoutingRule | Mapping[str, Any]

UNSURE_REASON = "annotators unsure"  # stored on the clip; the review explains it


@dataclass(frozen=True, slots=True)
class Evidence:
    ds_label: str | None = None
    ds_confidence: float | None = None
    trace_ccc_min: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    accepted: bool
    provenance: str | None  # unanimous | majority | model_confident, when accepted
    aggregate: Payload
    confidence: float | None
    tier: str  # high | medium | low
    n_distinct: int | None
    reason: str
    metrics: dict[str, Any] = field(default_factory=dict)


def aggregate_static(schema: Schema, payloads: list[Payload]) -> Payload:
    """Each layer aggregated as its type does it (``LayerType.aggregate``): the majority of a
    single layer (none on a tie), the labels more than half chose of a multi layer (and their
    soft shares), the lower median of an ordinal layer."""
    out: Payload = {}
    for layer in LabelSchema.of(schema):
        values = [p[layer.name] for p in payloads if layer.name in p]
        if values:
            out |= layer_type(layer.type).aggregate(layer, values)
    return out


def primary_layer(schema: Schema, payloads: list[Payload] | None = None) -> LayerSpec:
    """The layer routing looks at: the segment primary, else the first single, else the first
    multi-label layer — the first of these the labels have (MELD sheets carry GoEmotions only)."""
    candidates = LabelSchema.of(schema).routing_candidates()
    if not candidates:
        raise ValueError("the label schema has no categorical layer to route on")
    for layer in candidates:
        if payloads is None or any(layer.name in p for p in payloads):
            return layer
    return candidates[0]


def _agreement(values: list[Any]) -> tuple[Any, float, bool, int]:
    """(top value, its share, unanimous, distinct values) of hashable votes."""
    ranked = Counter(values).most_common()
    top, votes = ranked[0]
    return top, votes / len(values), len(ranked) == 1, len(ranked)


def decide_static(
    schema: Schema,
    rule: Rule,
    payloads: list[Payload],
    evidence: Evidence = Evidence(),
) -> Decision:
    schema, rule = LabelSchema.of(schema), RoutingRule.of(rule)
    layer = primary_layer(schema, payloads)
    name, kind = layer.name, layer_type(layer.type)
    present = [p for p in payloads if name in p]
    aggregate = aggregate_static(schema, payloads)
    if not present:
        return Decision(False, None, aggregate, None, "low", None, f"no {name} labels")
    top, share, unanimous, distinct = _agreement([kind.vote(p[name]) for p in present])
    unanimous = unanimous and len(present) == len(payloads)
    model_based = rule.aggregator == "dawid_skene" and evidence.ds_confidence is not None
    if model_based and kind.dawid_skene:
        top = aggregate[name] = evidence.ds_label
    if aggregate.get(name) is None:
        # A tie: whatever the threshold, gold without its primary label is no gold.
        return Decision(
            False, None, aggregate, share, "low", distinct, f"no majority {name} label (a tie)",
            {"layer": name, "top_share": round(share, 6)},
        )  # fmt: skip
    return _apply_rule(
        rule,
        aggregate,
        top,
        share,
        unanimous,
        distinct,
        {"layer": name},
        evidence,
        evidence.ds_confidence if model_based else None,
    )


def _apply_rule(
    rule: RoutingRule,
    aggregate: Payload,
    top: Any,
    share: float,
    unanimous: bool,
    distinct: int,
    metrics: dict[str, Any],
    evidence: Evidence,
    model_confidence: float | None = None,
) -> Decision:
    confidence = share if model_confidence is None else model_confidence
    tier = rule.tier(confidence, unanimous)
    metrics = {**metrics, "top_share": round(share, 6)}
    if model_confidence is not None:
        metrics["ds_confidence"] = round(model_confidence, 6)
    if evidence.trace_ccc_min is not None:
        metrics["trace_ccc_min"] = round(evidence.trace_ccc_min, 6)

    def dispute(reason: str, tier: str = tier) -> Decision:
        return Decision(False, None, aggregate, confidence, tier, distinct, reason, metrics)

    if top == UNSURE or top == (UNSURE,):
        return dispute(UNSURE_REASON, "low")
    floor = rule.min_trace_ccc
    if floor is not None and evidence.trace_ccc_min is not None and evidence.trace_ccc_min < floor:
        return dispute(f"trace concordance {evidence.trace_ccc_min:.2f} < {floor}")
    if unanimous and rule.accept_unanimous:
        return Decision(
            True, "unanimous", aggregate, confidence, tier, distinct, "unanimous", metrics
        )
    if confidence >= rule.min_confidence:
        provenance = "majority" if model_confidence is None else "model_confident"
        reason = f"confidence {confidence:.2f} ≥ {rule.min_confidence}"
        return Decision(True, provenance, aggregate, confidence, tier, distinct, reason, metrics)
    return dispute(
        f"confidence {confidence:.2f} < {rule.min_confidence} ({distinct} distinct labels)"
    )


def _label_at(segments: list[Payload], t: float, name: str) -> Any:
    seg = _segment_at(segments, t)
    return None if seg is None else seg.get(name)


def _segment_at(segments: list[Payload], t: float) -> Payload | None:
    return next((seg for seg in segments if seg["start"] <= t < seg["end"]), None)


def aggregate_stream(
    schema: Schema, payloads: list[Payload], reference: list[tuple[float, float]]
) -> Payload:
    """Per reference utterance, on its boundaries: each layer aggregated as for a static clip
    over the segments the annotators gave at its midpoint (utterances nobody labelled are
    left out)."""
    segments = []
    for start, end in reference:
        mid = (start + end) / 2
        found = [seg for p in payloads if (seg := _segment_at(p["segments"], mid)) is not None]
        if found:
            segments.append({"start": start, "end": end, **aggregate_static(schema, found)})
    return {"segments": segments}


def decide_stream(
    schema: Schema,
    rule: Rule,
    payloads: list[Payload],
    sample_times: list[float],
    evidence: Evidence = Evidence(),
    reference: list[tuple[float, float]] | None = None,
) -> Decision:
    """Compare the annotators' primary labels at ``sample_times`` (reference utterance
    midpoints, or every second). The aggregate is the annotation itself when all are the
    same; else the majority per ``reference`` utterance; without reference segments, the
    annotation closest to the per-time majority.

    Times nobody labelled are left out: silence everyone skipped is not consensus. Where some
    labelled and others did not, "no label" is a vote (they disagree on what is there)."""
    schema, rule = LabelSchema.of(schema), RoutingRule.of(rule)
    name = primary_layer(schema).name
    columns = [[_label_at(p["segments"], t, name) for p in payloads] for t in sample_times]
    columns = [column for column in columns if any(v is not None for v in column)]
    if not columns:
        return Decision(False, None, {}, None, "low", None, "no time to compare")
    shares: list[float] = []
    majorities: list[Any] = []
    distinct: set[Any] = set()
    all_unanimous = True
    for column in columns:
        top, share, unanimous, _ = _agreement(column)
        shares.append(share)
        majorities.append(top)
        all_unanimous &= unanimous
        distinct.update(v for v in column if v is not None)
    if all(p == payloads[0] for p in payloads):
        # Everyone drew the same segments (or one annotator did, k = 1): that is the gold as
        # drawn, with its boundaries and texts. Re-cut on the reference utterances it would
        # lose both: an imported EmoS film would not come back as it was.
        aggregate = payloads[0]
    elif reference:
        aggregate = aggregate_stream(schema, payloads, reference)
        tied = [i for i, seg in enumerate(aggregate["segments"], 1) if seg.get(name) is None]
        if tied:  # as for a static clip: gold without its primary label is no gold
            return Decision(
                False, None, aggregate, sum(shares) / len(shares), "low", len(distinct),
                f"no majority {name} label on utterance {tied[0]} (a tie)",
                {"layer": name, "samples": len(columns)},
            )  # fmt: skip
    else:
        closeness = [
            sum(column[i] == top for column, top in zip(columns, majorities, strict=True))
            for i in range(len(payloads))
        ]
        aggregate = payloads[closeness.index(max(closeness))]
    share = sum(shares) / len(shares)
    metrics = {"layer": name, "samples": len(columns)}
    return _apply_rule(
        rule, aggregate, None, share, all_unanimous, len(distinct), metrics, evidence
    )
