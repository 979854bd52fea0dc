"""Agreement over a whole project (a dated report, with progress) and the model evidence the
routing rule uses for one clip (Dawid–Skene posterior from the latest report)."""

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery

from annotation.agreement import dawid_skene
from annotation.agreement.categorical import Ratings
from annotation.agreement.report import monologue_report, trace_clip_metrics, trace_report
from annotation.agreement.traces import ccc_matrix
from annotation.agreement.utterances import utterance_segments
from annotation.domain.layers import layer_type
from annotation.domain.layers.base import LabelTable, ReportContext
from annotation.domain.layers.multi import Multi
from annotation.domain.layers.ordinal import Ordinal
from annotation.domain.schema import LabelSchema, RoutingRule
from annotation.models import AgreementReport, Annotation, GoldLabel, Project, Trace
from annotation.selectors.traces import clip_trace_matrix
from annotation.services.jobs import (
    JobLost,
    heartbeat,
    job_beat,
    job_claim,
    job_enqueue,
    job_finish,
)
from annotation.trace_chunks import unpack
from clips.models import Clip, Segment

log = logging.getLogger(__name__)
RECOMPUTE_TASK = "annotation.tasks.agreement_recompute_project"


def label_table(project: Project) -> LabelTable:
    rows = list(
        Annotation.objects.of_benchmark()
        .filter(clip__project=project, clip__kind=Clip.Kind.STATIC, is_current=True)
        .order_by("clip_id", "annotator_id")
        .values_list("clip_id", "annotator_id", "payload")
    )
    clip_ids = sorted({r[0] for r in rows})
    rater_ids = sorted({r[1] for r in rows})
    clip_index = {c: i for i, c in enumerate(clip_ids)}
    rater_index = {u: i for i, u in enumerate(rater_ids)}
    names = dict(get_user_model().objects.filter(pk__in=rater_ids).values_list("pk", "username"))
    batch_of = dict(Clip.objects.filter(pk__in=clip_ids).values_list("pk", "batch"))
    batch_names = sorted({batch_of[c] for c in clip_ids if batch_of[c]})
    batch_index = {b: i for i, b in enumerate(batch_names)}
    gold = dict(
        GoldLabel.objects.filter(clip_id__in=clip_ids, is_current=True).values_list(
            "clip_id", "payload"
        )
    )
    return LabelTable(
        item=np.array([clip_index[r[0]] for r in rows], dtype=np.int64),
        rater=np.array([rater_index[r[1]] for r in rows], dtype=np.int64),
        payloads=[r[2] for r in rows],
        clip_ids=clip_ids,
        rater_ids=rater_ids,
        rater_names=[names[u] for u in rater_ids],
        batches=np.array([batch_index.get(batch_of[c], -1) for c in clip_ids], dtype=np.int64),
        batch_names=batch_names,
        gold=[gold.get(c) for c in clip_ids],
    )


TRACE_CLIPS_PER_STEP = 100  # bounds memory: ~100 clips x raters x 10 min x 25 Hz at a time


def _trace_groups(project: Project) -> list[list[int]]:
    """Stream clips with at least two finalised traces, grouped by number of raters."""
    counts = (
        Trace.objects.filter(clip__project=project)
        .of_labels()
        .values("clip_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("clip_id")
    )
    groups: dict[int, list[int]] = {}
    for row in counts:
        groups.setdefault(row["n"], []).append(row["clip_id"])
    return [
        clips[start : start + TRACE_CLIPS_PER_STEP]
        for clips in groups.values()
        for start in range(0, len(clips), TRACE_CLIPS_PER_STEP)
    ]


def _stack(clip_ids: list[int]) -> tuple[np.ndarray, dict[str, Any]]:
    """(dims, clips, raters, samples) for clips with the same number of traces: each
    dimension's stack contiguous, as the trace figures read it."""
    rows = list(
        Trace.objects.filter(clip_id__in=clip_ids)
        .of_labels()
        .order_by("clip_id", "annotator_id")
        .values_list("clip_id", "config", "data")
    )
    config = rows[0][1]
    dims = len(config["dimensions"])
    arrays: dict[int, list[np.ndarray]] = {}
    for clip_id, _, data in rows:
        arrays.setdefault(clip_id, []).append(unpack(bytes(data or b""), dims))
    length = max(len(a) for per_clip in arrays.values() for a in per_clip)
    raters = max(len(per_clip) for per_clip in arrays.values())
    stack = np.full((dims, len(arrays), raters, length), np.nan)
    for i, per_clip in enumerate(arrays.values()):
        for j, array in enumerate(per_clip):
            stack[:, i, j, : len(array)] = array.T
    return stack, config


def _traces_section(project: Project) -> dict[str, Any] | None:
    groups = _trace_groups(project)
    if not groups:
        return None
    per_clip: dict[str, dict[str, list[float]]] = {}
    n_clips = 0
    for clip_ids in groups:
        stack, config = _stack(clip_ids)
        n_clips += stack.shape[1]
        for d, dim in enumerate(config["dimensions"]):
            metrics = trace_clip_metrics(stack[d], rate_hz=config["rate_hz"])
            target = per_clip.setdefault(dim["name"], {})
            for name, values in metrics.items():
                target.setdefault(name, []).extend(np.asarray(values).tolist())
    return trace_report(per_clip, n_clips=n_clips)


def _monologues_section(project: Project) -> dict[str, Any] | None:
    """Utterance-level agreement on the streaming clips that two or more annotators labelled
    and that have reference utterances (see ``annotation.agreement.utterances``)."""
    schema = LabelSchema.parse(project.label_schema)
    primary = schema.layer(schema.segments.primary)
    if primary is None:
        return None
    by_clip: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for clip_id, annotator_id, payload in (
        Annotation.objects.of_benchmark()
        .filter(clip__project=project, clip__kind=Clip.Kind.STREAM, is_current=True)
        .order_by("clip_id", "annotator_id")
        .values_list("clip_id", "annotator_id", "payload")
    ):
        by_clip.setdefault(clip_id, []).append((annotator_id, payload))
    by_clip = {c: rows for c, rows in by_clip.items() if len(rows) >= 2}
    utterances: dict[int, list[tuple[float, float]]] = {}
    for clip_id, start, end in Segment.objects.filter(clip_id__in=by_clip).values_list(
        "clip_id", "start_s", "end_s"
    ):
        utterances.setdefault(clip_id, []).append((start, end))
    if not utterances:
        return None
    secondary = schema.layer(schema.segments.secondary)
    intensity = schema.layer(schema.segments.intensity)
    classes = primary.classes
    code = {c: i for i, c in enumerate(classes)}
    raters = sorted({a for rows in by_clip.values() for a, _ in rows})
    rater_index = {a: i for i, a in enumerate(raters)}
    cols: dict[str, list[Any]] = {k: [] for k in ("item", "rater", "p", "s", "i")}
    durations: list[float] = []
    for clip_id, refs in sorted(utterances.items()):
        refs.sort()
        first = len(durations)
        durations += [end - start for start, end in refs]
        for annotator_id, payload in by_clip[clip_id]:
            segments = payload.get("segments", [])
            pick = utterance_segments(refs, [(seg["start"], seg["end"]) for seg in segments])
            for u, k in enumerate(pick.tolist()):
                value = segments[k].get(primary.name) if k >= 0 else None
                if value not in code:
                    continue
                cols["item"].append(first + u)
                cols["rater"].append(rater_index[annotator_id])
                cols["p"].append(code[value])
                cols["s"].append(segments[k].get(secondary.name) if secondary else None)
                cols["i"].append(segments[k].get(intensity.name) if intensity else None)
    item, rater = np.array(cols["item"], dtype=np.int64), np.array(cols["rater"], dtype=np.int64)
    n_items, n_raters = len(durations), len(raters)
    # The segment roles are fixed to their types (``SegmentRoles.parse``): the secondary
    # layer is a multi layer, the intensity an ordinal one.
    sets = None
    if secondary is not None:
        has = np.array([v is not None for v in cols["s"]], dtype=bool)
        sets = Multi().set_ratings(
            secondary, item[has], rater[has], [v for v in cols["s"] if v is not None], n_items
        )
    ordinal, values = None, []
    if intensity is not None:
        scale = Ordinal()
        values = scale.levels(intensity)
        has = np.array([v is not None for v in cols["i"]], dtype=bool)
        ordinal = scale.ratings(
            intensity, item[has], rater[has], [v for v in cols["i"] if v is not None],
            n_items, n_raters,
        )  # fmt: skip
    return monologue_report(
        Ratings(item, rater, np.array(cols["p"], dtype=np.int64), n_items, n_raters, len(classes)),
        secondary=sets,
        intensity=ordinal,
        intensity_values=values,
        durations=np.array(durations, dtype=np.float64),
        n_clips=len(utterances),
    )


def build_report(project: Project, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Every statistic for the project's label layers and traces; ``progress(done, total)``."""
    table = label_table(project)
    schema = LabelSchema.parse(project.label_schema)
    rule = RoutingRule.of(project.routing_rule)
    context = ReportContext(high=rule.min_confidence, medium=rule.report_medium)
    total = len(schema.layers) + 2
    progress(1, total)
    out: dict[str, Any] = {
        "n_clips": len(table.clip_ids),
        "n_annotations": len(table.payloads),
        "n_annotators": len(table.rater_ids),
        "batches": table.batch_names,
        "layers": {},
        "models": {},
    }
    for step, layer in enumerate(schema, start=2):
        if any(layer.name in p for p in table.payloads):
            done = layer_type(layer.type).report(layer, table, context)
            out["layers"][layer.name] = done.report
            if done.model is not None:
                out["models"][layer.name] = done.model
        progress(step, total)
    monologues = _monologues_section(project)
    if monologues is not None:
        out["monologues"] = monologues
    traces = _traces_section(project)
    if traces is not None:
        out["traces"] = traces
    progress(total, total)
    return out


def agreement_report_run(*, report_id: int, takeover: bool = False) -> AgreementReport:
    """Compute a report if it is claimable (pending, or running with a dead worker). A finished
    report, or one alive on another worker, is left alone; a failure is recorded on it."""
    report = job_claim(AgreementReport, report_id, takeover=takeover)
    if report is None:
        return AgreementReport.objects.get(pk=report_id)

    def progress(done: int, total: int) -> None:
        job_beat(report, processed=done, total=total)

    try:
        with heartbeat(lambda: job_beat(report)):
            body = build_report(report.project, progress)
    except JobLost:
        return AgreementReport.objects.get(pk=report_id)
    except Exception as exc:
        log.exception("agreement report %s failed", report_id)
        job_finish(report, AgreementReport.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    if job_finish(report, AgreementReport.DONE, report=body) and _model_decides(report.project):
        from annotation.services.routing import clips_reroute  # routing reads this module

        # The new model is part of the rule: gold follows it, as after a change of rule.
        clips_reroute(project=report.project)
    report.refresh_from_db()
    return report


def _model_decides(project: Project) -> bool:
    return RoutingRule.of(project.routing_rule).aggregator == "dawid_skene"


def latest_model(project: Project, layer: str) -> dict[str, Any] | None:
    report = (
        AgreementReport.objects.filter(project=project, status=AgreementReport.Status.DONE)
        .order_by("-finished_at")
        .values_list("report", flat=True)
        .first()
    )
    return (report or {}).get("models", {}).get(layer)


def ds_posterior(
    model: dict[str, Any], annotator_ids: list[int], values: list[str]
) -> tuple[str, float] | None:
    """The fitted Dawid–Skene model's label and confidence for one clip's labels; annotators
    unknown to the model count as uninformative (see ``posterior_for``)."""
    posterior = ds_probabilities(model, annotator_ids, values)
    if posterior is None:
        return None
    best = int(np.argmax(posterior))
    return model["classes"][best], float(posterior[best])


def ds_probabilities(
    model: dict[str, Any], annotator_ids: list[int], values: list[str]
) -> np.ndarray | None:
    """The posterior over the model's classes for one clip's labels (see ``ds_posterior``);
    None when none of the values is one of its classes."""
    classes = model["classes"]
    code = {c: i for i, c in enumerate(classes)}
    index = {rater: i for i, rater in enumerate(model["confusion"])}
    confusion = np.array(list(model["confusion"].values()))
    # Each annotator the model has not seen gets an index of their own past the known ones
    # (uninformative): several newcomers on one clip are still several raters.
    newcomers = iter(range(len(index), len(index) + len(annotator_ids)))
    raters = [index[str(a)] if str(a) in index else next(newcomers) for a in annotator_ids]
    pairs = [(r, code[v]) for r, v in zip(raters, values, strict=True) if v in code]
    if not pairs:
        return None
    fitted = dawid_skene.with_parameters(model["priors"], confusion)
    return dawid_skene.posterior_for(fitted, [p[0] for p in pairs], [p[1] for p in pairs])


def trace_concordance(clip: Clip) -> float | None:
    """The lowest pairwise CCC between the clip's traces (averaged over the dimensions)."""
    found = clip_trace_matrix(clip)
    if found is None:
        return None
    _, stacked = found
    per_dim = [ccc_matrix(stacked[:, :, d]) for d in range(stacked.shape[2])]
    pairs = np.nanmean(np.stack(per_dim), axis=0)
    upper = pairs[np.triu_indices(len(pairs), k=1)]
    upper = upper[~np.isnan(upper)]
    return float(upper.min()) if upper.size else None


def agreement_report_request(*, project: Project) -> AgreementReport:
    """A report computed by a worker on the agreement queue; one open at a time per project
    (a database constraint), so a second request joins the open one."""
    open_reports = AgreementReport.objects.filter(
        project=project, status__in=[AgreementReport.PENDING, AgreementReport.RUNNING]
    )
    if (open_report := open_reports.first()) is not None:
        return open_report
    try:
        with transaction.atomic():
            report = AgreementReport.objects.create(project=project)
    except IntegrityError:  # another request created it first (and it may be done already)
        return open_reports.first() or agreement_report_request(project=project)
    job_enqueue(report, RECOMPUTE_TASK)
    return report


def projects_needing_agreement() -> list[Project]:
    """Projects whose labels changed since their last report (for the periodic recompute)."""
    latest = (
        AgreementReport.objects.filter(project=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    newer = Annotation.objects.filter(
        clip__project=OuterRef("pk"), updated_at__gt=OuterRef("last_report")
    )
    return list(
        Project.objects.annotate(last_report=Subquery(latest))
        .filter(Q(last_report__isnull=True) | Exists(newer))
        .filter(Exists(Annotation.objects.filter(clip__project=OuterRef("pk"))))
    )
