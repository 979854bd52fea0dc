"""Apply the project's routing rule once a clip has its k layer-1 annotations."""

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from annotation.compiled_sql import fetched
from annotation.domain.layers import layer_type
from annotation.domain.schema import LabelSchema, RoutingRule
from annotation.models import Annotation, ClipAgreement, GoldLabel, Project, Provenance
from annotation.routing import Decision, Evidence, decide_static, decide_stream, primary_layer
from annotation.selectors import adaptive_overlap
from annotation.services.assignment import adjudication_leases_end, clip_stage_reviewable
from annotation.services.audit import audit_record
from annotation.services.gold import gold_record, gold_retire
from annotation.services.jobs import enqueue
from annotation.services.overlap import overlap_rule, overlap_verdict
from clips.models import Clip


def _reference(clip: Clip) -> list[tuple[float, float]]:
    return [(s.start_s, s.end_s) for s in clip.segments.order_by("start_s")]


def _sample_times(clip: Clip, payloads: list[dict[str, Any]]) -> list[float]:
    """Reference utterance midpoints, else one point a second across the labelled span."""
    reference = [(start + end) / 2 for start, end in _reference(clip)]
    if reference:
        return reference
    end = clip.duration_s or max(
        (seg["end"] for p in payloads for seg in p.get("segments", [])), default=0.0
    )
    return [t + 0.5 for t in range(int(end))]


def _evidence(clip: Clip, project: Project, annotations: list[Annotation]) -> Evidence:
    """What the agreement engine knows beyond the votes, as the project's rule asks for it."""
    from annotation.services.agreement import ds_posterior, latest_model, trace_concordance

    rule = RoutingRule.of(project.routing_rule)
    ds: tuple[str, float] | None = None
    layer = primary_layer(project.label_schema)
    name = layer.name
    if (
        rule.aggregator == "dawid_skene"
        and clip.kind == Clip.Kind.STATIC
        and layer_type(layer.type).dawid_skene
    ):
        model = latest_model(project, name)
        if model is not None:
            ds = ds_posterior(
                model,
                [a.annotator_id for a in annotations],
                [a.payload.get(name) for a in annotations],
            )
    ccc = None
    if rule.min_trace_ccc is not None and clip.kind == Clip.Kind.STREAM:
        ccc = trace_concordance(clip)
    return Evidence(
        ds_label=ds[0] if ds else None,
        ds_confidence=ds[1] if ds else None,
        trace_ccc_min=ccc,
    )


def _digest(annotations: list[Annotation]) -> str:
    key = ",".join(f"{a.pk}:{a.revision}" for a in annotations)
    return hashlib.sha256(key.encode()).hexdigest()


def _share_locked_project(project_id: int) -> Project:
    """The project as committed, its row share-locked (PostgreSQL; SQLite serialises writers):
    routings and submits in a project go side by side, while a settings change (which updates
    the row) waits for them and they for it. Taken after the clip's lock, as every path that
    locks both does (a decision, a correction, a submit): the other order deadlocked with a
    decision."""
    (project,) = fetched(
        "share_locked_project",
        lambda v: Project.objects.filter(pk=v["project"]),
        share_locked=(Project._meta.db_table,),
        project=project_id,
    )
    return project


def clip_route(*, clip_id: int) -> Clip:
    """Aggregate and route one clip. Idempotent: a clip not waiting for routing is left alone."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update(of=("self",)).get(pk=clip_id)
        if clip.stage != Clip.Stage.AGGREGATING:
            return clip
        project = clip.project = _share_locked_project(clip.project_id)
        annotations = list(Annotation.objects.filter(clip=clip, is_current=True).order_by("pk"))
        adaptive = adaptive_overlap(project) and clip.kind == Clip.Kind.STATIC
        verdict = (
            overlap_verdict(
                clip=clip, labels=sorted((a.annotator_id, a.payload) for a in annotations)
            )
            if adaptive
            else None
        )
        if (adaptive and verdict is None) or (
            not adaptive and len(annotations) < project.overlap_k
        ):
            clip.stage = Clip.Stage.LAYER1  # k was raised meanwhile: collect more labels
            Clip.objects.filter(pk=clip.pk).update(stage=clip.stage)
            gold_retire(clip_ids=[clip.pk], reason="fewer than k labels")
            return clip
        payloads = [a.payload for a in annotations]
        evidence = verdict or _evidence(clip, project, annotations)
        schema = LabelSchema.parse(project.label_schema)
        rule = RoutingRule.of(project.routing_rule)
        decision: Decision
        if verdict is not None:  # adaptive overlap: the model decides (services/overlap.py)
            decision = decide_static(schema, overlap_rule(project), payloads, verdict)
        elif clip.kind == Clip.Kind.STREAM:
            decision = decide_stream(
                schema,
                rule,
                payloads,
                _sample_times(clip, payloads),
                evidence,
                _reference(clip),
            )
        else:
            decision = decide_static(schema, rule, payloads, evidence)
        ClipAgreement.objects.update_or_create(
            clip=clip,
            defaults={
                "n_annotations": len(annotations),
                "aggregate": decision.aggregate,
                "confidence": decision.confidence,
                "tier": decision.tier,
                "n_distinct": decision.n_distinct,
                "trace_ccc_min": evidence.trace_ccc_min,
                "metrics": {**decision.metrics, "reason": decision.reason},
                "input_digest": _digest(annotations),
            },
        )
        if decision.accepted:
            assert decision.provenance is not None
            gold_record(
                clip=clip,
                payload=decision.aggregate,
                provenance=decision.provenance,
                confidence=decision.confidence,
                tier=decision.tier,
            )
            clip.stage = Clip.Stage.GOLD
        else:
            clip.stage = Clip.Stage.DISPUTED
            gold_retire(clip_ids=[clip.pk], reason=decision.reason)
        clip_stage_reviewable(clip_id=clip.pk, stage=clip.stage)
        audit_record(
            action="clip.routed",
            project=project,
            target=clip,
            data={"stage": clip.stage, "reason": decision.reason, "tier": decision.tier},
        )
        return clip


ROUTE_BATCH = 500
ROUTE_TASK = "annotation.tasks.agreement_route_clips"


def clips_enqueue_routing(clip_ids: list[int]) -> None:
    """Mark clips as waiting for routing and route them after commit, in batches. The stage
    is the record of the pending work: if the broker is down or loses the message, the
    sweeper rings again for clips left aggregating (``clips_routing_resend``)."""
    for start in range(0, len(clip_ids), ROUTE_BATCH):
        batch = clip_ids[start : start + ROUTE_BATCH]
        adjudication_leases_end(clip_ids=batch, reason="rerouted")
        Clip.objects.filter(pk__in=batch).update(
            stage=Clip.Stage.AGGREGATING, updated_at=timezone.now()
        )
        _ring(batch)


def _ring(clip_ids: list[int], *, mark_sent: bool = False) -> None:
    def sent() -> None:  # the next sweep waits again from now
        Clip.objects.filter(pk__in=clip_ids).update(updated_at=timezone.now())

    enqueue(ROUTE_TASK, clip_ids, sent=sent if mark_sent else None)


def clips_routing_resend() -> int:
    """Ring again for clips aggregating longer than ``ROUTING_RESEND_SECONDS``: their message
    never reached the broker or was lost with it (routing is idempotent)."""
    before = timezone.now() - timedelta(seconds=settings.ROUTING_RESEND_SECONDS)
    waiting = Clip.objects.filter(stage=Clip.Stage.AGGREGATING, updated_at__lt=before)
    ids = list(waiting.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_BATCH])
    for start in range(0, len(ids), ROUTE_BATCH):
        _ring(ids[start : start + ROUTE_BATCH], mark_sent=True)
    return len(ids)


def clips_reroute(*, project: Project) -> int:
    """After k or the routing rule changed: route again every clip not decided by an
    adjudicator (their decisions stand). Returns how many clips are re-routed. Under
    adaptive overlap the model decides the static clips: a refit brings them in line."""
    if adaptive_overlap(project):
        from annotation.services.overlap import overlap_refit

        return overlap_refit(project=project)
    adjudicated = GoldLabel.objects.filter(
        clip=OuterRef("pk"), is_current=True, provenance=Provenance.ADJUDICATED
    )
    undecided = Clip.objects.filter(project=project).exclude(Exists(adjudicated))
    routed_stages = [Clip.Stage.AGGREGATING, Clip.Stage.DISPUTED, Clip.Stage.GOLD]
    short = undecided.filter(stage__in=routed_stages, layer1_count__lt=project.overlap_k)
    adjudication_leases_end(
        clip_ids=list(short.filter(stage=Clip.Stage.DISPUTED).values_list("pk", flat=True)),
        reason="back to layer 1",
    )
    short_ids = list(short.values_list("pk", flat=True))
    short.update(stage=Clip.Stage.LAYER1)  # k was raised: these need more labels first
    gold_retire(clip_ids=short_ids, reason="fewer than k labels")
    ids = list(
        undecided.filter(
            stage__in=[Clip.Stage.LAYER1, *routed_stages], layer1_count__gte=project.overlap_k
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    clips_enqueue_routing(ids)
    return len(ids)
