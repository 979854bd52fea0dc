"""Adaptive overlap on the platform (issue 19, item 5): a static clip gets another layer-1
label only while its Dawid–Skene posterior is below the project's threshold, up to ``k_max``;
the most informative clip is served first; a clip whose posterior reaches the threshold is
accepted with the posterior's argmax, one still below it at ``k_max`` goes to adjudication.

The claim stays one indexed statement: each submit updates its own clip's posterior with the
project's current model and stores the clip's target (labels it should have now) and
priority (expected information gain of one more label, ``team_gain``) on the clip row, which
the submit holds locked; ``overlap_refit`` fits the model again on every label (after
``warmup`` labels, then every ``refit_every``, and when the queue runs dry: the beat asks
``overlap_refit_if_due`` every minute) and recomputes every clip in bulk, re-routing those
whose outcome the new model changes. The maths is annotation/quality/overlap.py's.
"""

import logging
from collections import defaultdict
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Now

from annotation.domain.layers import layer_type
from annotation.domain.schema import RoutingRule
from annotation.domain.spec import LayerSpec
from annotation.models import Annotation, GoldLabel, OverlapFit, Project, Provenance
from annotation.quality.overlap import (
    AdaptiveOverlap,
    RefitSchedule,
    overlap_from_config,
    team_gain,
)
from annotation.routing import Evidence, primary_layer
from annotation.selectors import adaptive_overlap
from annotation.services.agreement import ds_probabilities, label_table
from annotation.services.assignment import adjudication_leases_end
from annotation.services.gold import gold_retire
from annotation.services.locks import project_lock
from clips.models import Clip

log = logging.getLogger(__name__)
Model = dict[str, Any]
UPDATE_BATCH = 500


def overlap_policy(project: Project) -> tuple[AdaptiveOverlap, RefitSchedule]:
    """The project's adaptive policy (callers checked ``adaptive_overlap``)."""
    policy, schedule = overlap_from_config(project.overlap, project.overlap_k)
    assert isinstance(policy, AdaptiveOverlap)
    return policy, schedule


def overlap_rule(project: Project) -> dict[str, Any]:
    """The routing rule an adaptive project's static clips are decided by: the model's label
    when its posterior reaches the threshold, adjudication otherwise."""
    threshold = overlap_policy(project)[0].threshold
    rule = RoutingRule.of(project.routing_rule).to_json()
    return {
        **rule,
        "aggregator": "dawid_skene",
        "accept_unanimous": False,
        "min_confidence": threshold,
        "medium_confidence": min(rule["medium_confidence"], threshold),
    }


def _layer(project: Project) -> LayerSpec:
    layer = primary_layer(project.label_schema)
    if not layer_type(layer.type).dawid_skene:
        raise ValueError("adaptive overlap needs a primary layer a Dawid–Skene model can fit")
    return layer


def _state(
    policy: AdaptiveOverlap, n: int, posterior: np.ndarray | None, model: Model | None
) -> tuple[bool, int, float]:
    """(wants another label, target, priority) of a clip with ``n`` labels. Before the first
    fit the most-labelled clip comes first (as in the pure replay: the first labels build the
    overlap the model needs to learn each annotator)."""
    confidence = np.nan if posterior is None else float(posterior.max())
    wants = bool(policy.wants_more(np.array([n]), np.array([confidence]))[0])
    if model is None or posterior is None:
        priority = float(n)
    else:
        confusions = np.array(list(model["confusion"].values()))
        priority = float(team_gain(posterior[None, :], confusions)[0])
    return wants, max(n + 1, policy.k_min) if wants else n, priority


def _current_model(project: Project) -> Model | None:
    return OverlapFit.objects.filter(project=project).values_list("model", flat=True).first()


def _posterior(model: Model | None, layer: str, labels: list[tuple[int, Any]]) -> np.ndarray | None:
    if model is None:
        return None
    values = [payload.get(layer) for _, payload in labels]
    found = ds_probabilities(model, [who for who, _ in labels], values)
    return np.array(model["priors"]) if found is None else found


def overlap_verdict(*, clip: Clip, labels: list[tuple[int, Any]]) -> Evidence | None:
    """For a static clip of an adaptive project whose ``labels`` (annotator id, payload) just
    changed, its row locked: None if it wants another label (its target and priority are
    stored), else the model's evidence to route it with ``overlap_rule``."""
    project = clip.project
    policy, _ = overlap_policy(project)
    model = _current_model(project)
    layer = _layer(project)
    posterior = _posterior(model, layer.name, labels)
    wants, target, priority = _state(policy, len(labels), posterior, model)
    if wants:
        Clip.objects.filter(pk=clip.pk).update(layer1_target=target, layer1_priority=priority)
        return None
    if posterior is None or model is None:
        return Evidence()
    best = int(np.argmax(posterior))
    return Evidence(ds_label=model["classes"][best], ds_confidence=float(posterior[best]))


def overlap_wants_more(*, clip: Clip) -> bool:
    """After a submit on an adaptive project's static clip (its row locked by the submit):
    True while it waits for another label, False when it is to be routed."""
    labels = list(
        Annotation.objects.filter(clip=clip, is_current=True)
        .order_by("annotator_id")  # the posterior's sum in one order, as the refit's
        .values_list("annotator_id", "payload")
    )
    return overlap_verdict(clip=clip, labels=labels) is None


def overlap_judge(*, project: Project, clip_ids: list[int]) -> list[int]:
    """After labels came in bulk (an import) to static layer-1 clips of an adaptive project,
    their rows locked: each clip judged as a submit judges its own (``overlap_verdict``) on
    the current model, its target and priority stored while it wants another label. Returns
    the others, to route."""
    policy, _ = overlap_policy(project)
    model = _current_model(project)
    layer = _layer(project)
    labels: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    rows = (
        Annotation.objects.filter(clip_id__in=clip_ids, is_current=True)
        .order_by("clip_id", "annotator_id")  # the posterior's sum in the submit's order
        .values_list("clip_id", "annotator_id", "payload")
    )
    for clip_id, who, payload in rows:
        labels[clip_id].append((who, payload))
    updates, route = [], []
    for clip_id in clip_ids:
        seen = labels[clip_id]
        posterior = _posterior(model, layer.name, seen)
        wants, target, priority = _state(policy, len(seen), posterior, model)
        if wants:
            updates.append((clip_id, len(seen), target, priority))
        else:
            route.append(clip_id)
    _store_states(updates)
    return route


def _labels_count(project: Project) -> int:
    return (
        Annotation.objects.of_benchmark()
        .filter(clip__project=project, clip__kind=Clip.Kind.STATIC, is_current=True)
        .count()
    )


def overlap_refit_if_due(*, project: Project) -> bool:
    """Refit if ``refit_every`` (``warmup`` the first time) labels came since the last fit,
    or some did and no static clip waits in layer 1 (the last word to a model of every
    label: it may reopen a clip). True if it refitted. Decided under the project's lock, on
    its settings as committed: two beats, or a beat and a settings change, take turns."""
    with transaction.atomic():
        project_lock(project)
        if not adaptive_overlap(project):  # turned off meanwhile
            return False
        _, schedule = overlap_policy(project)
        fitted = (
            OverlapFit.objects.filter(project=project).values_list("n_labels", flat=True).first()
        )
        since = _labels_count(project) - (fitted or 0)
        dry = not Clip.objects.filter(
            project=project, kind=Clip.Kind.STATIC, stage=Clip.Stage.LAYER1
        ).exists()
        if not (schedule.due(since, fitted is not None) or (since > 0 and dry)):
            return False
        _refit(project)
        return True


def overlap_refit_all() -> int:
    """The beat's pass over adaptive projects; how many were refitted. A project whose refit
    fails is logged and left for the next pass: the others are refitted all the same."""
    projects = Project.objects.filter(archived_at__isnull=True, overlap__strategy="adaptive")
    refitted = 0
    for project in projects:
        try:
            refitted += overlap_refit_if_due(project=project)
        except Exception:
            log.exception("overlap refit of project %s failed; next pass retries", project.slug)
    return refitted


@transaction.atomic
def overlap_refit(*, project: Project) -> int:
    """Fit the model on every current static label, store it, and bring every static clip in
    line with it (``_refit``), under the project's lock. Returns how many clips it routes."""
    project_lock(project)
    return _refit(project)


def _refit(project: Project) -> int:
    """The refit, the project locked: targets and priorities of the clips in layer 1 (only
    where no label came meanwhile: the submit that brought it wrote a newer state), routing
    for those it closes, and for routed clips (not by an adjudicator) whose outcome it
    changes; a clip it makes unsure again below ``k_max`` goes back to layer 1. The fit runs
    without the clips' locks; the clips it moves are locked afterwards and left alone if
    they moved meanwhile (an adjudicator's decision stands)."""
    from annotation.services.routing import clips_enqueue_routing  # routing imports this

    if not adaptive_overlap(project):
        return 0
    policy, _ = overlap_policy(project)
    layer = _layer(project)
    table = label_table(project)
    if not table.payloads:  # nothing to learn from: the warm-up order, from the start
        OverlapFit.objects.filter(project=project).delete()
        return 0
    fitted = layer_type(layer.type).ds_fit(layer, table)
    assert fitted is not None  # _layer: the type has a model
    fit, model = fitted.fit, fitted.stored
    classes = model["classes"]
    OverlapFit.objects.update_or_create(
        project=project, defaults={"model": model, "n_labels": len(table.payloads)}
    )
    row = {clip_id: i for i, clip_id in enumerate(table.clip_ids)}
    counts = np.bincount(table.item, minlength=len(table.clip_ids))
    adjudicated = GoldLabel.objects.filter(
        clip__project=project, is_current=True, provenance=Provenance.ADJUDICATED
    ).values("clip_id")
    clips = dict(
        Clip.objects.filter(
            project=project,
            kind=Clip.Kind.STATIC,
            stage__in=[Clip.Stage.LAYER1, Clip.Stage.GOLD, Clip.Stage.DISPUTED],
        )
        .exclude(pk__in=adjudicated)
        .values_list("pk", "stage")
    )
    gold = dict(
        GoldLabel.objects.filter(clip__project=project, is_current=True).values_list(
            "clip_id", "payload"
        )
    )
    updates: list[tuple[int, int, int, float]] = []  # clip, labels seen, target, priority
    route, reopen = [], []
    for clip_id, stage in clips.items():
        i = row.get(clip_id)
        n = 0 if i is None else int(counts[i])
        posterior = fit.priors if i is None else fit.posterior[i]
        wants, target, priority = _state(policy, n, posterior, model)
        if stage == Clip.Stage.LAYER1:
            if wants:
                updates.append((clip_id, n, target, priority))
            else:
                route.append(clip_id)
            continue
        if wants:
            reopen.append(clip_id)
            updates.append((clip_id, n, target, priority))
            continue
        best = classes[int(np.argmax(posterior))]
        expected = best if posterior.max() >= policy.threshold else None
        decided = (gold.get(clip_id) or {}).get(layer.name) if stage == Clip.Stage.GOLD else None
        if expected != decided:
            route.append(clip_id)
    still = _unmoved({clip_id: clips[clip_id] for clip_id in [*route, *reopen]})
    route = [clip_id for clip_id in route if clip_id in still]
    reopen = [clip_id for clip_id in reopen if clip_id in still]
    if reopen:
        adjudication_leases_end(clip_ids=reopen, reason="back to layer 1")
        gold_retire(clip_ids=reopen, reason="the model is unsure again")
        Clip.objects.filter(pk__in=reopen).update(stage=Clip.Stage.LAYER1, updated_at=Now())
    _store_states(updates)
    clips_enqueue_routing(route)
    return len(route)


def _unmoved(seen: dict[int, str]) -> set[int]:
    """Of the clips the refit read at stage ``seen[pk]``, those still there and not decided
    by an adjudicator meanwhile, now that their rows are locked (in id order). The stage is
    read with the lock (the row as committed); the gold in a statement after it, so a
    decision committed while the lock was awaited is seen."""
    stages = Clip.objects.select_for_update().filter(pk__in=seen).order_by("pk")
    still = {pk for pk, stage in stages.values_list("pk", "stage") if stage == seen[pk]}
    decided = GoldLabel.objects.filter(
        clip_id__in=still, is_current=True, provenance=Provenance.ADJUDICATED
    ).values_list("clip_id", flat=True)
    return still - set(decided)


def _store_states(updates: list[tuple[int, int, int, float]]) -> None:
    """Targets and priorities in batches, each row only if its count is still the one they
    were computed for."""
    for start in range(0, len(updates), UPDATE_BATCH):
        batch = updates[start : start + UPDATE_BATCH]
        Clip.objects.filter(pk__in=[clip_id for clip_id, *_ in batch]).update(
            layer1_target=Case(
                *[When(pk=c, layer1_count=n, then=Value(t)) for c, n, t, _ in batch],
                default=F("layer1_target"),
                output_field=Clip._meta.get_field("layer1_target"),
            ),
            layer1_priority=Case(
                *[When(pk=c, layer1_count=n, then=Value(p)) for c, n, _, p in batch],
                default=F("layer1_priority"),
                output_field=Clip._meta.get_field("layer1_priority"),
            ),
        )
