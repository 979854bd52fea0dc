"""Existing first-layer work (spreadsheets, EmoS JSON) into layer-1 annotations, then routing.

Each source annotator becomes a platform user ``<id>@<project>`` without a password (their
labels are attributed, they cannot sign in). Re-importing the same files changes nothing; a
changed label becomes a new revision, as a correction in the browser would.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotation.domain.schema import LabelSchema
from annotation.errors import Invalid
from annotation.importers.labels import LabelRecord, Vocabulary, read_label_files
from annotation.models import Annotation, GoldLabel, Membership, Project, Provenance, Role
from annotation.payloads import validate_payload
from annotation.selectors import adaptive_overlap
from annotation.services.audit import audit_record
from annotation.services.locks import project_lock
from annotation.services.overlap import overlap_judge
from annotation.services.routing import clips_enqueue_routing
from clips.models import Clip, ImportJob
from clips.services import clips_register

BATCH = 2000


@dataclass(slots=True)
class LabelImportResult:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    clamped: list[str] = field(default_factory=list)  # ends cut at the end of the media
    annotators: list[str] = field(default_factory=list)
    routed: int = 0


def _annotator_users(project: Project, ids: list[str]) -> dict[str, User]:
    user_model = get_user_model()
    users = {}
    for annotator in ids:
        user, created = user_model.objects.get_or_create(username=f"{annotator}@{project.slug}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[annotator] = user
    Membership.objects.bulk_create(
        [Membership(project=project, user=user, role=Role.ANNOTATOR) for user in users.values()],
        ignore_conflicts=True,
    )
    return users


def _refresh_counts(clip_ids: list[int]) -> None:
    current = (
        Annotation.objects.filter(clip=OuterRef("pk"), is_current=True)
        .values("clip")
        .annotate(n=Count("pk"))
        .values("n")
    )
    for start in range(0, len(clip_ids), BATCH):
        Clip.objects.filter(pk__in=clip_ids[start : start + BATCH]).update(
            layer1_count=Coalesce(Subquery(current), 0)
        )


@transaction.atomic
def _labels_write(
    *, project: Project, records: list[LabelRecord], source: str, actor: User | None
) -> LabelImportResult:
    # Imports and refits of the project take turns; its clips are locked in id order, so a
    # submit or a correction meanwhile waits for the counts and states written here.
    project_lock(project)
    result = LabelImportResult()
    first_seen = {r.clip.external_id: r.clip for r in reversed(records)}
    clips_register(project=project, records=list(first_seen.values()))
    clips = {
        c.external_id: c
        for c in Clip.objects.select_for_update()
        .filter(project=project, external_id__in=list(first_seen))
        .order_by("pk")
    }
    users = _annotator_users(project, sorted({r.annotator for r in records}))
    result.annotators = sorted(users)
    existing = {
        (a.clip_id, a.annotator_id): a
        for a in Annotation.objects.filter(
            clip__in=clips.values(), annotator__in=users.values(), is_current=True
        )
    }
    now = timezone.now()
    schema = LabelSchema.parse(project.label_schema)
    new: list[Annotation] = []
    revised_clips: set[int] = set()
    for record in records:
        clip, user = clips[record.clip.external_id], users[record.annotator]
        try:
            payload = validate_payload(
                schema,
                clamp_ends(record, clip.duration_s, result.clamped),
                kind=clip.kind,
                duration_s=clip.duration_s,
                complete=False,
            )
        except Invalid as exc:
            result.rejected.append(f"{record.source_ref}: {exc.field}: {exc.message}")
            continue
        old = existing.get((clip.pk, user.pk))
        if old is not None and old.payload == payload:
            result.unchanged += 1
            continue
        annotation = Annotation(
            clip=clip,
            annotator=user,
            status=Annotation.Status.SUBMITTED,
            revision=1 if old is None else old.revision + 1,
            is_current=True,
            supersedes=old,
            payload=payload,
            source=source,
            source_ref=record.source_ref[:500],
            submitted_at=now,
        )
        if old is not None:
            Annotation.objects.filter(pk=old.pk).update(is_current=False)
            revised_clips.add(clip.pk)
            result.revised += 1
        existing[(clip.pk, user.pk)] = annotation
        new.append(annotation)
    Annotation.objects.bulk_create(new, batch_size=BATCH)
    result.created = len(new) - result.revised
    touched = sorted({a.clip_id for a in new})
    _refresh_counts(touched)
    result.routed = _route(project, touched, revised_clips)
    audit_record(
        action="labels.imported",
        project=project,
        actor=actor,
        data={
            "source": source,
            "created": result.created,
            "revised": result.revised,
            "unchanged": result.unchanged,
            "rejected": len(result.rejected),
            "counts": dict(Counter(r.annotator for r in records)),
        },
    )
    return result


class Timed(Protocol):
    """A record of labels read from a file (``LabelRecord``, a model's ``DraftRecord``)."""

    payload: dict[str, Any]
    source_ref: str
    time_resolution_s: float


def clamp_ends(record: Timed, duration_s: float | None, notes: list[str]) -> Any:
    """The payload with each segment end that overshoots the clip's media by less than the
    source's time resolution cut at the media's end (said in ``notes``); a real overshoot is
    left for validation to reject. The parser already cut ends at a sentence file's duration:
    this is for media whose duration differs, and sources without one."""
    segments = record.payload.get("segments")
    if duration_s is None or not record.time_resolution_s or not isinstance(segments, list):
        return record.payload
    step = record.time_resolution_s
    cut = []
    for i, seg in enumerate(segments):
        end = seg.get("end") if isinstance(seg, dict) else None
        start = seg.get("start", duration_s) if isinstance(seg, dict) else duration_s
        if isinstance(end, int | float) and 0 < end - duration_s < step and start < duration_s:
            notes.append(
                f"{record.source_ref}: segments[{i}].end {end:g}s clamped to {duration_s:g}s, "
                f"the end of the clip's media (times are in steps of {step:g}s)"
            )
            seg = {**seg, "end": duration_s}
        cut.append(seg)
    return {**record.payload, "segments": cut}


def _route(project: Project, touched: list[int], revised: set[int]) -> int:
    """Clips that now have the labels they need go to routing, as do revised ones not yet
    adjudicated: k labels; under adaptive overlap, a static clip's posterior decides (the
    others get their target and priority), as after a submit. Their rows are locked."""
    adjudicated = set(
        GoldLabel.objects.filter(
            clip_id__in=revised, is_current=True, provenance=Provenance.ADJUDICATED
        ).values_list("clip_id", flat=True)
    )
    revised_routed = Q(
        pk__in=revised - adjudicated, stage__in=[Clip.Stage.GOLD, Clip.Stage.DISPUTED]
    )
    adaptive = adaptive_overlap(project)
    ids: list[int] = []
    for start in range(0, len(touched), BATCH):
        clips = Clip.objects.filter(pk__in=touched[start : start + BATCH])
        by_k = clips.filter(Q(stage=Clip.Stage.LAYER1) | revised_routed)
        if adaptive:  # monologues keep k
            static = clips.filter(kind=Clip.Kind.STATIC)
            ids += static.filter(revised_routed).values_list("pk", flat=True)
            waiting = static.filter(stage=Clip.Stage.LAYER1).values_list("pk", flat=True)
            ids += overlap_judge(project=project, clip_ids=list(waiting))
            by_k = by_k.filter(kind=Clip.Kind.STREAM)
        ids += by_k.filter(layer1_count__gte=project.overlap_k).values_list("pk", flat=True)
    clips_enqueue_routing(sorted(ids))
    return len(ids)


def describe(result: LabelImportResult) -> dict[str, Any]:
    return {
        "created": result.created,
        "revised": result.revised,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "clamped": result.clamped,
        "annotators": result.annotators,
        "routed": result.routed,
    }


def labels_import(
    *,
    project: Project,
    records: list[LabelRecord],
    source: str,
    report: dict[str, Any] | None = None,
    actor: User | None = None,
    job: ImportJob | None = None,
) -> ImportJob:
    """Write the labels and their import job in one transaction: an import that fails or is
    killed leaves no label behind and no job "running" forever; a failure is recorded as a
    failed job with its error (then raised). ``report`` (what reading said) joins the job's.
    Re-importing the same labels changes nothing. ``job``: one made beforehand (a previewed
    browser import, ``label_upload``) to finish instead of a new one."""
    report = report or {}

    def record(**fields: Any) -> ImportJob:
        fields.update(project=project, kind=ImportJob.Kind.LABELS, total=len(records),
                      created_by=actor, finished_at=timezone.now())  # fmt: skip
        if job is None:
            return ImportJob.objects.create(**fields)
        ImportJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
        return job

    try:
        with transaction.atomic():
            result = _labels_write(project=project, records=records, source=source, actor=actor)
            done = record(
                status=ImportJob.Status.DONE, processed=len(records), failed=len(result.rejected),
                report={
                    **describe(result), **report,
                    "clamped": [*report.get("clamped", []), *result.clamped],
                },
            )  # fmt: skip
    except Exception as exc:
        record(
            status=ImportJob.Status.FAILED,
            report={**report, "error": f"{type(exc).__name__}: {exc}"},
        )
        raise
    return done


def labels_import_files(
    *,
    project: Project,
    files: Iterable[Path],
    fmt: str,
    annotator: str = "emos",
    batch: str | None = None,
    actor: User | None = None,
) -> ImportJob:
    """Read label files of one format (``read_label_files``, which raises ``LabelFileError``
    before anything is written) and import them (``labels_import``)."""
    read = read_label_files(
        files, fmt, Vocabulary.from_schema(project.label_schema), annotator=annotator, batch=batch
    )
    return labels_import(
        project=project, records=read.parsed.records, source=fmt, report=read.report(), actor=actor
    )
