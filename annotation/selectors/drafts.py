"""Reads about model drafts: a project's runs, and the report of how people and a model agree
(per layer, per annotator and for the people's aggregate) and how far shown drafts pull people
towards the model (``annotation.quality.anchoring``)."""

from collections import defaultdict
from typing import Any

import numpy as np

from annotation.agreement.categorical import Ratings, cohen_kappa_pairwise
from annotation.agreement.jsonsafe import clean
from annotation.agreement.multilabel import SetRatings, match_ratios, pairwise_jaccard
from annotation.models import Annotation, ClipAgreement, ModelDraft, ModelRun, Project
from annotation.quality.anchoring import anchoring
from annotation.schema import UNSURE

MODEL, HUMAN = 0, 1  # rater codes in the two-rater comparisons
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


def _codes(layer: dict[str, Any]) -> dict[Any, int]:
    if layer["type"] == "ordinal":
        return {v: i for i, v in enumerate(range(layer["min"], layer["max"] + 1))}
    values = [label["value"] for label in layer.get("labels", [])]
    return {v: i for i, v in enumerate([*values, UNSURE])}


def _single(pairs: list[tuple[Any, Any]], codes: dict[Any, int]) -> dict[str, Any]:
    """Percent agreement and Cohen's kappa of (model, human) label pairs, one per clip."""
    n = len(pairs)
    if not n:
        return {"n": 0, "agreement": None, "kappa": None}
    items = np.repeat(np.arange(n), 2)
    raters = np.tile([MODEL, HUMAN], n)
    labels = np.array([codes[v] for pair in pairs for v in pair], dtype=np.int64)
    ratings = Ratings(items, raters, labels, n, 2, len(codes))
    kappa = cohen_kappa_pairwise(ratings).kappa.get((MODEL, HUMAN), float("nan"))
    return {"n": n, "agreement": sum(a == b for a, b in pairs) / n, "kappa": kappa}


def _multi(pairs: list[tuple[Any, Any]], codes: dict[Any, int]) -> dict[str, Any]:
    """Mean Jaccard and exact-match share of (model, human) label sets, one per clip."""
    n = len(pairs)
    if not n:
        return {"n": 0, "jaccard": None, "exact": None}
    sets = np.zeros((2 * n, len(codes)), dtype=bool)
    for row, values in enumerate(v for pair in pairs for v in pair):
        sets[row, [codes[v] for v in values]] = True
    ratings = SetRatings(sets, np.repeat(np.arange(n), 2), np.tile([MODEL, HUMAN], n), n)
    return {
        "n": n,
        "jaccard": pairwise_jaccard(ratings).mean,
        "exact": match_ratios(ratings).exact_match_ratio,
    }


def _anchoring(rows: list[tuple[Any, Any, bool]]) -> dict[str, Any] | None:
    """Agreement with the model with drafts shown vs hidden (None without both kinds)."""
    shown = [r for r in rows if r[2]]
    if not shown or len(shown) == len(rows):
        return None
    codes: dict[Any, int] = {}
    given = [codes.setdefault(_hashable(r[0]), len(codes)) for r in rows]
    model = [codes.setdefault(_hashable(r[1]), len(codes)) for r in rows]
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


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


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
    for layer in project.label_schema["layers"]:
        name, kind = layer["name"], layer["type"]
        codes = _codes(layer)
        per: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
        rows: list[tuple[Any, Any, bool]] = []
        for clip_id, who, payload, shown, _accepted in annotations:
            model = drafts[clip_id].get(name)
            if model is None or payload.get(name) is None:
                continue
            per[who].append((model, payload[name]))
            rows.append((payload[name], model, shown))
        for clip_id, aggregate in aggregates.items():
            if drafts[clip_id].get(name) is not None and aggregate.get(name) is not None:
                per[AGGREGATE].append((drafts[clip_id][name], aggregate[name]))
        compare = _multi if kind == "multi" else _single
        layers[name] = {
            "type": kind,
            "title": layer.get("title", {}),
            "annotators": {who: compare(pairs, codes) for who, pairs in sorted(per.items())
                           if who != AGGREGATE},
            AGGREGATE: compare(per.get(AGGREGATE, []), codes),
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
