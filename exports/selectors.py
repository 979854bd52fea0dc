"""Reads for a release: the database state, turned into the pipeline's plain dataclasses."""

from typing import Any

import numpy as np
from django.db.models import Min

from annotation.agreement.traces import ewe
from annotation.models import (
    AgreementReport,
    Annotation,
    ClipAgreement,
    GoldLabel,
    ModelDraft,
    Trace,
)
from annotation.trace_chunks import unpack
from clips.models import Clip
from exports.models import Release
from exports.pipeline.data import (
    ClipAgreementRow,
    ClipRow,
    GoldRow,
    LabelRow,
    ModelDraftRow,
    PreviousRelease,
    ReleaseData,
    ReleaseOptions,
    TraceRow,
)


def annotator_pseudonyms(project_id: int) -> dict[int, str]:
    """A01, A02... in the order annotators first labelled in the project: stable from one
    release to the next, and no user name leaves the platform."""
    first = (
        Annotation.objects.of_benchmark()
        .filter(clip__project_id=project_id)
        .values("annotator_id")
        .annotate(first=Min("pk"))
        .order_by("first")
    )
    return {row["annotator_id"]: f"A{i + 1:02d}" for i, row in enumerate(first)}


def _media_path(clip: Clip) -> str | None:
    """The media's storage name: a reference names it so (no server layout is published);
    to include it, the build fetches it onto its disk first."""
    if clip.media_status != Clip.MediaStatus.READY or not clip.media_file.name:
        return None
    return clip.media_file.name


def _clips(release: Release) -> list[ClipRow]:
    rows = []
    clips = release.project.clips.exclude(stage=Clip.Stage.CONTROL)  # no answer key leaves
    for clip in clips.prefetch_related("segments").order_by("external_id"):
        media = _media_path(clip)
        rows.append(
            ClipRow(
                clip_id=clip.external_id,
                kind=clip.kind,
                language=clip.language,
                duration_s=clip.duration_s,
                transcript=clip.transcript,
                speaker=clip.speaker,
                source_video=clip.source_video or str(clip.meta.get("video_id", "")),
                batch=clip.batch,
                segments=[
                    {
                        "index": s.index,
                        "start_s": s.start_s,
                        "end_s": s.end_s,
                        "text": s.text,
                        "speaker": s.speaker,
                    }
                    for s in clip.segments.all()
                ],
                media_path=media,
                meta=clip.meta,
                stage=clip.stage,
            )
        )
    return rows


def _traces(release: Release, names: dict[int, str]) -> tuple[list[TraceRow], list[TraceRow]]:
    by_clip: dict[str, list[tuple[str, dict[str, Any], np.ndarray]]] = {}
    # A trace ships with its annotation: one recorded on a clip its annotator then skipped
    # (or never submitted) is no label of the benchmark, and has no pseudonym here.
    for external_id, annotator_id, config, data in (
        Trace.objects.filter(clip__project=release.project)
        .of_labels()
        .order_by("clip__external_id", "annotator_id")
        .values_list("clip__external_id", "annotator_id", "config", "data")
    ):
        samples = unpack(bytes(data or b""), len(config["dimensions"]))
        by_clip.setdefault(external_id, []).append((names[annotator_id], config, samples))
    traces, gold = [], []
    for clip_id, rows in by_clip.items():
        config = rows[0][1]
        dims = tuple(d["name"] for d in config["dimensions"])
        for name, _, samples in rows:
            traces.append(TraceRow(clip_id, name, config["rate_hz"], dims, samples))
        length = max(len(s) for _, _, s in rows)
        stack = np.full((len(rows), length, len(dims)), np.nan)
        for i, (_, _, samples) in enumerate(rows):
            stack[i, : len(samples)] = samples
        estimate = np.stack([ewe(stack[:, :, d]).gold for d in range(len(dims))], axis=1)
        gold.append(TraceRow(clip_id, "gold", config["rate_hz"], dims, estimate.astype(np.float32)))
    return traces, gold


def release_data(release: Release, previous: PreviousRelease | None) -> ReleaseData:
    project = release.project
    names = annotator_pseudonyms(project.pk)
    current = (
        Annotation.objects.of_benchmark()
        .filter(clip__project=project, is_current=True)
        .order_by("clip__external_id", "annotator_id")
        .values_list("clip__external_id", "annotator_id", "revision", "payload", "submitted_at")
    )
    labels = [
        LabelRow(
            external_id,
            names[annotator],
            revision,
            payload,
            submitted.isoformat() if submitted else "",
        )
        for external_id, annotator, revision, payload, submitted in current
    ]
    # Rows as tuples, not model instances: a release reads every clip's gold and agreement.
    gold = [
        GoldRow(
            clip_id=clip_id,
            payload=payload,
            provenance=provenance,
            confidence=confidence,
            tier=tier,
            version=version,
            rationale=rationale or "",  # null: no adjudication
            decided_at=created_at.isoformat(),
        )
        # Gold exactly for the clips the workflow holds as gold: a reopened clip's last
        # decision stays current (versioned) but waits for the new one.
        for clip_id, payload, provenance, confidence, tier, version, rationale, created_at in (
            GoldLabel.objects.filter(
                clip__project=project, is_current=True, clip__stage=Clip.Stage.GOLD
            )
            .order_by("clip__external_id")
            .values_list(
                "clip__external_id", "payload", "provenance", "confidence", "tier", "version",
                "adjudication__rationale", "created_at",
            )
        )
    ]  # fmt: skip
    agreement = [
        ClipAgreementRow(clip_id, tier, confidence, n_distinct or 0, metrics)
        for clip_id, tier, confidence, n_distinct, metrics in ClipAgreement.objects.filter(
            clip__project=project
        ).values_list("clip__external_id", "tier", "confidence", "n_distinct", "metrics")
    ]
    report = (
        AgreementReport.objects.filter(project=project, status=AgreementReport.Status.DONE)
        .order_by("-finished_at")
        .values_list("report", flat=True)
        .first()
    )
    traces, gold_traces = _traces(release, names)
    drafts = [
        ModelDraftRow(
            clip_id=d.clip.external_id,
            run_id=d.run_id,
            model_name=d.run.model_name,
            model_version=d.run.model_version,
            config_id=d.run.config_id,
            run_date=d.run.run_date.isoformat() if d.run.run_date else "",
            payload=d.payload,
            meta=d.meta,
        )
        # Gold clips only (the pipeline keeps those of the release): never a control.
        for d in ModelDraft.objects.filter(run__project=project, clip__stage=Clip.Stage.GOLD)
        .select_related("clip", "run")
        .order_by("clip__external_id", "run_id")
    ]
    return ReleaseData(
        project_slug=project.slug,
        project_name=project.name,
        description=release.description or project.description,
        version=release.version,
        created=release.created_at.date().isoformat(),
        label_schema=project.label_schema,
        trace_config=project.trace_config,
        options=ReleaseOptions(**release_options(release.options)),
        clips=_clips(release),
        labels=labels,
        gold=gold,
        agreement=sorted(agreement, key=lambda a: a.clip_id),
        traces=traces,
        gold_traces=gold_traces,
        project_agreement=report or {},
        previous=previous,
        aggregator=project.routing_rule.get("aggregator", "majority"),
        model_drafts=drafts,
    )


def release_options(options: dict[str, Any]) -> dict[str, Any]:
    """The stored JSON options as ReleaseOptions keyword arguments (lists become tuples)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
