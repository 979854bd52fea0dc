"""Reads about model drafts: a project's runs, and the report of how people and a model agree
(per layer, per annotator and for the people's aggregate) and how far shown drafts pull people
towards the model (``annotation.quality.anchoring``)."""

from collections import defaultdict
from typing import Any

from annotation.agreement.jsonsafe import clean
from annotation.domain.schema import LabelSchema
from annotation.models import Annotation, ClipAgreement, ModelDraft, ModelRun, Project
from annotation.quality.anchoring import anchoring

AGGREGATE = "aggregate"


def run_provenance(run: ModelRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "model_name": run.model_name,
        "model_version": run.model_version,
        "config_id": run.config_id,
        "run_date": run.run_date.isoformat() if run.run_date else None,
        "source_name": run.source_name,
        "n_drafts": run.n_drafts,
        "n_unmatched": run.n_unmatched,
        "notes": run.notes,
        "created_at": run.created_at.isoformat(),
        "created_by": run.created_by.username if run.created_by else None,
    }


def model_runs(project: Project) -> list[dict[str, Any]]:
    runs = ModelRun.objects.filter(project=project).select_related("created_by").order_by("-pk")
    return [run_provenance(run) for run in runs]


def _anchoring(rows: list[tuple[Any, Any, bool]]) -> dict[str, Any] | None:
    """Agreement with the model with drafts shown vs hidden (None without both kinds)."""
    shown = [r for r in rows if r[2]]
    if not shown or len(shown) == len(rows):
        return None
    codes: dict[Any, int] = {}
    given = [codes.setdefault(r[0], len(codes)) for r in rows]
    model = [codes.setdefault(r[1], len(codes)) for r in rows]
    result = anchoring(given, model, [r[2] for r in rows])
    return {
        "n_shown": result.n_shown,
        "n_hidden": result.n_hidden,
        "agree_shown": result.agree_shown,
        "agree_hidden": result.agree_hidden,
        "effect": result.effect,
        "effect_interval": [result.effect_interval.low, result.effect_interval.high],
        "adoption": result.adoption,
        "adoption_interval": [result.adoption_interval.low, result.adoption_interval.high],
        "level": result.effect_interval.level,
    }


def drafts_report(project: Project, run: ModelRun) -> dict[str, Any]:
    """Human–model agreement per static layer (each annotator, and the people's aggregate:
    the routing's), the anchoring figures per layer, and how many shown drafts were taken
    unchanged. Benchmark labels only (controls are no clips of the benchmark); streaming
    clips, whose labels are segments, are left out of the per-layer figures."""
    drafts = dict(
        ModelDraft.objects.filter(run=run, clip__kind="static").values_list("clip_id", "payload")
    )
    annotations = list(
        Annotation.objects.of_benchmark()
        .filter(clip_id__in=list(drafts), is_current=True)
        .values_list("clip_id", "annotator__username", "payload", "draft_shown", "draft_accepted")
    )
    aggregates = dict(
        ClipAgreement.objects.filter(clip_id__in=list(drafts)).values_list("clip_id", "aggregate")
    )
    layers: dict[str, Any] = {}
    schema = LabelSchema.of(project.label_schema)
    for layer in schema:
        name, kind = layer.name, schema.kind(layer)
        per: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
        rows: list[tuple[Any, Any, bool]] = []
        for clip_id, who, payload, shown, _accepted in annotations:
            model = drafts[clip_id].get(name)
            if model is None or payload.get(name) is None:
                continue
            per[who].append((model, payload[name]))
            rows.append((kind.vote(payload[name]), kind.vote(model), shown))  # hashable
        for clip_id, aggregate in aggregates.items():
            if drafts[clip_id].get(name) is not None and aggregate.get(name) is not None:
                per[AGGREGATE].append((drafts[clip_id][name], aggregate[name]))
        layers[name] = {
            "type": layer.type,
            "title": dict(layer.title),
            "annotators": {who: kind.pair_figures(layer, pairs)
                           for who, pairs in sorted(per.items()) if who != AGGREGATE},
            AGGREGATE: kind.pair_figures(layer, per.get(AGGREGATE, [])),
            "anchoring": _anchoring(rows),
        }  # fmt: skip
    served = [a for a in annotations if a[3]]
    return clean(
        {
            "run": run_provenance(run),
            "drafts_mode": project.drafts,
            "draft_share": project.draft_share,
            "annotations": len(annotations),
            "shown": len(served),
            "accepted": sum(1 for a in served if a[4]),
            "layers": layers,
        }
    )
