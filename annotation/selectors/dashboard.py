"""Reads for the admin dashboard. Each panel is a handful of aggregate queries (GROUP BY on
indexed columns, JSON sub-keys picked in SQL), so it stays fast at 100,000 clips."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from annotation.domain.layers import layer_type
from annotation.domain.metrics import UTTERANCE_HEADLINE, metric
from annotation.domain.schema import LabelSchema, TraceConfig, TraceDimension
from annotation.domain.spec import UNSURE, UNSURE_ZH, LayerSpec
from annotation.models import (
    Adjudication,
    AgreementReport,
    Annotation,
    AnnotatorPause,
    Assignment,
    ClipAgreement,
    GoldLabel,
    Project,
    Provenance,
)
from annotation.quality.live import AnnotatorQuality
from annotation.routing import primary_layer
from annotation.selectors.quality import live_quality, pause_text
from clips.models import Clip, ImportJob
from clips.selectors import TERMINAL

REPORTS_SHOWN = 50
IMPORTS_SHOWN = 20


def _per_day(rows: Any, days: list[str]) -> list[int]:
    counts = {row["day"].isoformat(): row["n"] for row in rows}
    return [counts.get(day, 0) for day in days]


def dashboard_progress(project: Project, *, days: int = 30) -> dict[str, Any]:
    """Clips per stage and media state, and what was done per day over ``days`` days."""
    stages = {stage: 0 for stage in Clip.Stage.values if stage != Clip.Stage.CONTROL}
    media: dict[str, int] = {}
    total = ready = 0
    for row in (
        Clip.objects.filter(project=project)
        .exclude(stage=Clip.Stage.CONTROL)  # controls are no work to do
        .values("stage", "media_status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        stages[row["stage"]] += row["n"]
        media[row["media_status"]] = media.get(row["media_status"], 0) + row["n"]
        total += row["n"]
        ready += row["n"] if row["media_status"] == Clip.MediaStatus.READY else 0
    today = timezone.localdate()
    since = today - timedelta(days=days - 1)
    day_list = [(since + timedelta(days=i)).isoformat() for i in range(days)]
    # a range on the raw column (not on its date) lets PostgreSQL skip older rows
    start = timezone.make_aware(datetime.combine(since, time.min))

    def daily(queryset: Any, field: str) -> list[int]:
        rows = (
            queryset.filter(**{f"{field}__gte": start})
            .annotate(day=TruncDate(field))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return _per_day(rows, day_list)

    return {
        "total": total,
        "ready": ready,
        "stages": stages,
        "media": media,
        "throughput": {
            "days": day_list,
            "annotations": daily(
                Annotation.objects.of_benchmark().filter(
                    clip__project=project, status=Annotation.Status.SUBMITTED, revision=1
                ),
                "submitted_at",
            ),
            "gold": daily(GoldLabel.objects.filter(clip__project=project), "created_at"),
            "adjudicated": daily(Adjudication.objects.filter(clip__project=project), "created_at"),
        },
    }


def _language() -> str:
    return "zh" if (get_language() or "").startswith("zh") else "en"


def _title(item: LayerSpec | TraceDimension) -> str:
    """A schema layer's or trace dimension's title in the reader's language (its name when
    the schema gives none)."""
    return str(item.title.get(_language()) or item.name)


def _figures(schema: LabelSchema, trace: TraceConfig | None) -> list[tuple[str, str, str]]:
    """(key, label, JSON path in the report) of the headline figures for the schema's layers
    (their types' ``headline``, in each of their groups: SAM's dimensions), the monologues'
    roles and the trace dimensions."""
    language = _language()
    figures = [
        (
            ".".join([layer.name, *(path[-1:] if group else ()), key]),
            " · ".join(
                [_title(layer), *([_(group)] if group else []), metric(key).label(language)]
            ),
            "__".join(["layers", layer.name, *path, key]),
        )
        for layer in schema
        for kind in [layer_type(layer.type)]
        for group, path in kind.figure_groups(layer)
        for key in kind.headline
    ]
    for role, keys in UTTERANCE_HEADLINE.items():  # agreement on the reference utterances
        layer = schema.layer(getattr(schema.segments, role))
        if layer is None:
            continue
        figures += [
            (
                f"monologues.{role}.{key}",
                f"{_title(layer)} · {metric(key).utterance_label(language)}",
                f"monologues__{role}__{key}",
            )
            for key in keys
        ]
    ccc = metric("ccc_pairwise")
    for dim in trace.dimensions if trace else ():
        figures.append(
            (
                f"traces.{dim.name}.ccc",
                f"{_title(dim)} · {ccc.label(language)}",
                f"traces__dimensions__{dim.name}__{ccc.key}__mean",
            )
        )
    return figures


def _trace_config(project: Project) -> TraceConfig | None:
    """The project's trace config; None when it has no dimensions (a project without traces)."""
    return (
        TraceConfig.parse(project.trace_config) if project.trace_config.get("dimensions") else None
    )


def dashboard_agreement(project: Project) -> dict[str, Any]:
    """The headline figures of the stored reports over time, oldest first, and the titles of
    the layers whose Dawid–Skene tiers they give."""
    schema = LabelSchema.parse(project.label_schema)
    figures = _figures(schema, _trace_config(project))
    singles = {layer.name: _title(layer) for layer in schema if layer_type(layer.type).dawid_skene}
    paths = {key: f"report__{path}" for key, _label, path in figures}
    tiers = {name: f"report__layers__{name}__dawid_skene__tiers" for name in singles}
    picks = {f"f{i}": F(path) for i, path in enumerate(paths.values())}
    picks |= {f"t{i}": F(path) for i, path in enumerate(tiers.values())}
    rows: list[Any] = list(
        AgreementReport.objects.filter(project=project, status=AgreementReport.Status.DONE)
        .order_by("-created_at")
        .values("pk", "finished_at", **picks)[:REPORTS_SHOWN]
    )
    reports = [
        {
            "id": row["pk"],
            "at": row["finished_at"],
            "values": {key: _number(row[f"f{i}"]) for i, key in enumerate(paths)},
            "ds_tiers": {name: row[f"t{i}"] for i, name in enumerate(tiers) if row[f"t{i}"]},
        }
        for row in reversed(rows)
    ]
    return {
        "figures": [{"key": key, "label": label} for key, label, _path in figures],
        "layers": singles,
        "reports": reports,
        **_latest_pairs(schema, rows[0]["pk"] if rows else None),
    }


def _latest_pairs(schema: LabelSchema, report_id: int | None) -> dict[str, Any]:
    """The latest report per annotator pair (each layer type's ``pair_figure``: Cohen κ of a
    single layer, mean Jaccard of a multi layer) and the Dawid–Skene confidence of the layers
    that have a model."""
    layers = [
        (layer, kind, kind.pair_figure)
        for layer in schema
        if (kind := layer_type(layer.type)).pair_figure is not None
    ]
    picks = {
        f"p{i}": F(f"report__layers__{layer.name}__{pair.report_key}")
        for i, (layer, _kind, pair) in enumerate(layers)
        if pair is not None
    } | {
        f"c{i}": F(f"report__layers__{layer.name}__dawid_skene__confidence")
        for i, (layer, kind, _pair) in enumerate(layers)
        if kind.dawid_skene
    }
    if report_id is None:
        return {"pairs": [], "confidence": []}
    row: dict[str, Any] = dict(
        AgreementReport.objects.filter(pk=report_id).values(**picks).first() or {}
    )
    pairs: list[dict[str, Any]] = []
    confidence: list[dict[str, Any]] = []
    language = _language()
    for i, (layer, kind, pair_figure) in enumerate(layers):
        assert pair_figure is not None
        figure = metric(pair_figure.metric).label(language)
        pairs += [
            {
                "layer": _title(layer),
                "a": pair["a"],
                "b": pair["b"],
                "n_items": pair["n_items"],
                "figure": figure,
                "value": _number(pair.get(pair_figure.value_key)),
            }
            for pair in row.get(f"p{i}") or []
        ]
        if kind.dawid_skene and row.get(f"c{i}"):
            stats = row[f"c{i}"]
            confidence.append(
                {"layer": _title(layer)}
                | {k: _number(stats.get(k)) for k in ("mean", "median", "std")}
            )
    return {"pairs": pairs, "confidence": confidence}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value == value else None


def _clip01(value: Any) -> float | None:
    """Clamped to 0–1; a missing figure stays missing (None), it is not 0."""
    number = _number(value)
    return None if number is None else min(1.0, max(0.0, number))


def _live(quality: AnnotatorQuality | None, pause: AnnotatorPause | None) -> dict[str, Any]:
    """The live figures (``annotation.quality.live``): accuracy on controls with its 95 %
    Wilson interval, agreement with the aggregate, label entropy, speed; and the pause."""
    q = quality or AnnotatorQuality.empty(2)
    interval = q.accuracy_interval()
    return {
        "controls": q.controls,
        "controls_correct": q.controls_correct,
        "control_accuracy": _number(q.accuracy),
        "control_interval": [interval.low, interval.high] if q.controls else None,
        "live_agreement": _number(q.agreement),
        "live_entropy": _number(q.entropy_normalised),
        "median_seconds": _number(q.median_seconds),
        # Dawid–Skene (the project's current model): rows true class, columns label given.
        "ds_accuracy": _number(q.ds_accuracy),
        "ds_confusion": None if q.ds_confusion is None else q.ds_confusion.tolist(),
        "paused": None if pause is None else {
            "since": pause.created_at, "reason": pause_text(pause), "floor": pause.floor,
        },
    }  # fmt: skip


def dashboard_annotators(project: Project) -> dict[str, Any]:
    """Per annotator: throughput (live), and from the latest report agreement with the
    aggregate and with gold, label distribution and entropy; the EmoS radar normalised 0–1."""
    week_ago = timezone.now() - timedelta(days=7)
    counts = {
        row["annotator_id"]: row
        for row in Annotation.objects.of_benchmark()
        .filter(clip__project=project, status=Annotation.Status.SUBMITTED, revision=1)
        .values("annotator_id")
        .annotate(submitted=Count("pk"), recent=Count("pk", filter=Q(submitted_at__gte=week_ago)))
        .order_by()
    }
    quality = live_quality(project)
    paused = {
        p.user_id: p for p in AnnotatorPause.objects.filter(project=project, lifted_at__isnull=True)
    }
    people = {*counts, *quality, *paused}
    names = dict(get_user_model().objects.filter(pk__in=people).values_list("pk", "username"))
    layer = primary_layer(project.label_schema)
    layer_name = layer.name
    report: Any = (
        AgreementReport.objects.filter(project=project, status=AgreementReport.Status.DONE)
        .order_by("-created_at")
        .values("pk", "finished_at", stats=F(f"report__layers__{layer_name}__annotators"))
        .first()
    )
    # per-annotator statistics against the model come with the layers that have one
    listed = (report or {}).get("stats") or [] if layer_type(layer.type).dawid_skene else []
    stats = {s["annotator"]: s for s in listed}
    most = max((row["submitted"] for row in counts.values()), default=0) or 1
    annotators = []
    for user_id in sorted(people, key=lambda uid: names.get(uid, "")):
        row = counts.get(user_id, {"submitted": 0, "recent": 0})
        username = names.get(user_id, "?")
        s = stats.get(username, {})
        distribution = s.get("label_distribution") or {}
        rated = sum(distribution.values()) or 0
        annotators.append(
            {
                "user_id": user_id,
                "username": username,
                "submitted": row["submitted"],
                "last_7_days": row["recent"],
                "accuracy_vs_aggregate": _number(s.get("accuracy_vs_aggregate")),
                "kappa_vs_gold": _number(s.get("kappa_vs_gold")),
                "entropy_normalised": _number(s.get("entropy_normalised")),
                "unsure_share": (distribution.get(UNSURE, 0) / rated) if rated else None,
                "label_distribution": distribution,
                **_live(quality.get(user_id), paused.get(user_id)),
            }
        )
    axes = [
        ("throughput", _("Throughput")),
        ("agreement", _("Agreement with the aggregate")),
        ("gold", _("κ against gold")),
        ("diversity", _("Label diversity (entropy)")),
        ("certainty", _("Certainty (not “Unsure”)")),
    ]
    radar = {
        a["username"]: [
            a["submitted"] / most,
            _clip01(a["accuracy_vs_aggregate"]),
            _clip01(a["kappa_vs_gold"]),
            _clip01(a["entropy_normalised"]),
            None if a["unsure_share"] is None else 1.0 - a["unsure_share"],
        ]
        for a in annotators
    }
    return {
        "report": {"id": report["pk"], "at": report["finished_at"]} if report else None,
        "layer": layer_name,
        "layer_title": _title(layer),
        "classes": [
            {"value": label.value, "en": label.en, "zh": label.zh} for label in layer.labels
        ]
        + ([{"value": UNSURE, "en": UNSURE, "zh": UNSURE_ZH}] if layer.allow_unsure else []),
        "annotators": annotators,
        "radar": {"axes": [{"key": k, "label": label} for k, label in axes], "values": radar},
    }


def dashboard_routing(project: Project) -> dict[str, Any]:
    """How layer 1 was routed: agreement tiers, gold provenance, the adjudication backlog."""
    tiers = {tier: 0 for tier in ("high", "medium", "low")}
    for row in (
        ClipAgreement.objects.filter(clip__project=project)
        .values("tier")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["tier"] in tiers:
            tiers[row["tier"]] = row["n"]
    provenance = {value: 0 for value in Provenance.values}
    for value, n in (
        GoldLabel.objects.filter(clip__project=project, is_current=True)
        .values_list("provenance")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        provenance[value] = n
    return {
        "rule": project.routing_rule,
        "tiers": tiers,
        "provenance": provenance,
        "disputed": Clip.objects.filter(project=project, stage=Clip.Stage.DISPUTED).count(),
        "in_adjudication": Assignment.objects.filter(
            clip__project=project, layer=2, status=Assignment.Status.ACTIVE
        ).count(),
    }


def _import_summary(status: str, processed: int, total: int, failed: int) -> str:
    if status == ImportJob.Status.RUNNING:
        return _("%(processed)s of %(total)s processed") % {"processed": processed, "total": total}
    if status == ImportJob.Status.FAILED:
        return _("failed after %(processed)s of %(total)s") % {
            "processed": processed,
            "total": total,
        }
    return _("%(processed)s imported, %(failed)s failed") % {
        "processed": processed - failed,
        "failed": failed,
    }


def _live_progress(jobs: list[ImportJob]) -> dict[int, tuple[int, int]]:
    """(processed, failed) of running clip imports, from their clips' media states: the
    workers ingest them one by one, the job row is written when the last one is done."""
    running = [
        job for job in jobs if job.status == ImportJob.Status.RUNNING and job.kind == "clips"
    ]
    rows = (
        Clip.objects.filter(import_job__in=running)
        .values("import_job")
        .annotate(
            done=Count("pk", filter=Q(media_status__in=TERMINAL)),
            failed=Count(
                "pk",
                filter=Q(media_status__in=[Clip.MediaStatus.FAILED, Clip.MediaStatus.DUPLICATE]),
            ),
        )
        .order_by()
    )
    done = {row["import_job"]: (row["done"], row["failed"]) for row in rows}
    return {
        job.pk: (len(job.report.get("already_ingested", [])) + done.get(job.pk, (0, 0))[0],
                 done.get(job.pk, (0, 0))[1])
        for job in running
    }  # fmt: skip


def dashboard_imports(project: Project) -> dict[str, Any]:
    jobs = list(
        ImportJob.objects.filter(project=project)
        .exclude(status=ImportJob.Status.PREVIEW)  # nothing imported (yet)
        .order_by("-created_at")[:IMPORTS_SHOWN]
    )
    live = _live_progress(jobs)
    out = []
    for job in jobs:
        processed, failed = live.get(job.pk, (job.processed, job.failed))
        out.append(
            {
                "id": job.pk,
                "kind": job.kind,
                "status": job.status,
                "total": job.total,
                "processed": processed,
                "failed": failed,
                "created_at": job.created_at,
                "finished_at": job.finished_at,
                "summary": _import_summary(job.status, processed, job.total, failed),
            }
        )
    return {"jobs": out}
