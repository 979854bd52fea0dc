"""The clips browser as its admins read it: filtered lists and one clip's whole record."""

from dataclasses import dataclass, fields
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, QueryDict

from annotation.models import Annotation, AuditEvent, GoldLabel, Project, Role, Trace
from annotation.selectors import catalogue_clips, clip_agreement, may_review, roles_in
from clips.models import Clip


@dataclass(frozen=True, slots=True)
class ClipFilter:
    """What an admin narrows the list to; empty fields do not filter."""

    stage: str = ""
    media_status: str = ""
    batch: str = ""
    language: str = ""
    kind: str = ""
    annotator: int | None = None  # a user who holds a current layer-1 label on the clip
    q: str = ""  # external id or transcript text

    @classmethod
    def from_query(cls, query: QueryDict) -> "ClipFilter":
        """The filter a query string carries; unreadable values do not filter."""
        values = {f.name: query.get(f.name, "").strip() for f in fields(cls)}
        annotator = values.pop("annotator")
        return cls(**values, annotator=int(annotator) if annotator.isdigit() else None)

    def query(self) -> dict[str, str]:
        """The fields in use, for links that keep the filter (pages, the clip and back)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {key: str(value) for key, value in values.items() if value not in ("", None)}


def filtered_clips(
    user: User | AnonymousUser, project: Project, spec: ClipFilter
) -> QuerySet[Clip]:
    """The clips the user may browse (catalogue_clips), narrowed by ``spec`` for admins;
    anyone else's list is what catalogue_clips gives them, whatever the query says."""
    clips = catalogue_clips(user, project)
    if Role.ADMIN not in roles_in(user, project):
        return clips
    exact = {
        key: getattr(spec, key)
        for key in ("stage", "media_status", "batch", "language", "kind")
        if getattr(spec, key)
    }
    clips = clips.filter(**exact)
    if spec.annotator is not None:
        labelled = Annotation.objects.filter(
            clip=OuterRef("pk"), annotator_id=spec.annotator, is_current=True
        )
        clips = clips.filter(Exists(labelled))
    if spec.q:
        clips = clips.filter(Q(external_id__icontains=spec.q) | Q(transcript__icontains=spec.q))
    return clips


def clip_filter_choices(project: Project) -> dict[str, Any]:
    """The values each filter offers: the model's choices, the project's batches, and the
    people who labelled something here (admins may see names)."""
    batches = (
        Clip.objects.filter(project=project)
        .exclude(batch="")
        .values_list("batch", flat=True)
        .distinct()
        .order_by("batch")
    )
    annotators = (
        Annotation.objects.filter(clip__project=project, is_current=True)
        .values_list("annotator_id", "annotator__username")
        .distinct()
        .order_by("annotator__username")
    )
    return {
        "stage": Clip.Stage.choices,
        "media_status": Clip.MediaStatus.choices,
        "language": Clip.Language.choices,
        "kind": Clip.Kind.choices,
        "batch": list(batches),
        "annotator": list(annotators),
    }


def clip_stage_counts(clips: QuerySet[Clip]) -> dict[str, int]:
    """How many of ``clips`` are at each stage, in the reader's language."""
    rows = clips.order_by().values("stage").annotate(n=Count("id"))
    return {str(Clip.Stage(row["stage"]).label): row["n"] for row in rows}


def clip_record(user: User | AnonymousUser, project: Project, clip_id: int) -> dict[str, Any]:
    """One clip as its admin sees it: labels with real names, gold versions, traces,
    agreement and audit events. Labels, gold and agreement only if the admin is not blind
    to the clip (labelled or held it): as everywhere else, admins are bound by blindness."""
    if Role.ADMIN not in roles_in(user, project):
        raise Http404
    try:
        clip = Clip.objects.select_related("agreement").get(project=project, pk=clip_id)
    except Clip.DoesNotExist:
        raise Http404 from None
    readable = may_review(user, clip)
    events = AuditEvent.objects.filter(project=project).filter(
        Q(target_type="clips.clip", target_id=str(clip.pk)) | Q(data__clip=clip.pk)
    )
    record: dict[str, Any] = {
        "clip": clip,
        "readable": readable,
        "events": events.select_related("actor").order_by("-pk"),
        "labels": [],
        "gold": [],
        "traces": [],
        "agreement": None,
    }
    if not readable:
        return record
    record["labels"] = (
        Annotation.objects.filter(clip=clip, is_current=True)
        .select_related("annotator")
        .order_by("pk")
    )
    record["gold"] = (
        GoldLabel.objects.filter(clip=clip)
        .select_related("decided_by", "adjudication")
        .order_by("-version")
    )
    record["traces"] = (
        Trace.objects.filter(clip=clip, is_current=True)
        .select_related("annotator", "annotation")
        .defer("data")
        .order_by("annotator__username")
    )
    record["agreement"] = clip_agreement(clip)
    return record


def project_clips(project: Project, stage: str | None = None) -> QuerySet[Clip]:
    """The project's clips with their reference segments, in id order; one stage if given."""
    clips = project.clips.prefetch_related("segments").order_by("pk")
    return clips.filter(stage=stage) if stage else clips
