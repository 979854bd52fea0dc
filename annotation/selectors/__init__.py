"""Reads, always scoped to what the user may see."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import NotAllowed
from annotation.models import (
    Annotation,
    Assignment,
    ClipAgreement,
    Membership,
    Project,
    Role,
    Trace,
)
from clips.models import Clip


def projects_for_user(user: User | AnonymousUser) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_staff:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user, memberships__is_active=True).distinct()


def project_for_user(user: User | AnonymousUser, slug: str) -> Project:
    """The project if the user is an active member (or staff); 404 otherwise."""
    return get_object_or_404(projects_for_user(user), slug=slug)


def clip_media_counts(project: Project) -> dict[str, int]:
    rows = (
        Clip.objects.filter(project=project)
        .values("media_status")
        .annotate(n=Count("id"))
        .order_by("media_status")
    )
    return {row["media_status"]: row["n"] for row in rows}


def has_role(user: User | AnonymousUser, project: Project, *roles: str) -> bool:
    """Whether the user holds one of ``roles`` in the project (superusers are admins)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser and Role.ADMIN in roles:
        return True
    return Membership.objects.filter(
        project=project, user=user, role__in=roles, is_active=True
    ).exists()


def roles_in(user: User | AnonymousUser, project: Project) -> set[str]:
    """The user's active roles in the project (a superuser is also an admin)."""
    if not user.is_authenticated:
        return set()
    roles = set(
        Membership.objects.filter(project=project, user=user, is_active=True).values_list(
            "role", flat=True
        )
    )
    return roles | {Role.ADMIN} if user.is_superuser else roles


def require_role(user: User | AnonymousUser, project: Project, *roles: str) -> None:
    if not has_role(user, project, *roles):
        raise NotAllowed(
            _("this needs the %(roles)s role in %(project)s")
            % {"roles": _(" or ").join(roles), "project": project.slug}
        )


def assignment_for_user(user: User | AnonymousUser, assignment_id: int) -> Assignment:
    """Only the holder of an assignment reaches it (404 for anyone else)."""
    return get_object_or_404(
        Assignment.objects.select_related("clip__project").prefetch_related("clip__segments"),
        pk=assignment_id,
        user_id=user.pk,
    )


def open_assignment(user: User, project: Project, *, layer: int) -> Assignment | None:
    """The user's live lease in the project's layer, if any (a read: nothing is claimed)."""
    return (
        Assignment.objects.select_related("clip")
        .filter(
            user=user,
            layer=layer,
            clip__project=project,
            status=Assignment.Status.ACTIVE,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def annotation_for_user(user: User | AnonymousUser, annotation_id: int) -> Annotation:
    """Annotators see their own annotations; adjudicators and admins those of their projects."""
    annotation = get_object_or_404(
        Annotation.objects.select_related("clip__project"), pk=annotation_id
    )
    if annotation.annotator_id == user.pk:
        return annotation
    if has_role(user, annotation.clip.project, Role.ADJUDICATOR, Role.ADMIN):
        return annotation
    raise Http404


def clip_for_staff(user: User | AnonymousUser, clip_id: int) -> Clip:
    """A clip's workflow state is for the project's adjudicators and admins only; an
    adjudicator who labelled the clip in layer 1 does not see it (blindness both ways)."""
    clip = get_object_or_404(
        Clip.objects.select_related("project", "agreement").prefetch_related("segments"),
        pk=clip_id,
        project__in=projects_for_user(user),
    )
    require_role(user, clip.project, Role.ADJUDICATOR, Role.ADMIN)
    if (
        not has_role(user, clip.project, Role.ADMIN)
        and clip.annotations.filter(annotator_id=user.pk).exists()
    ):
        raise Http404
    return clip


def pseudonym(index: int) -> str:
    """Annotator A, B, C... in the order their labels arrived: blind, stable per clip."""
    return "Annotator " + (chr(ord("A") + index) if index < 26 else str(index + 1))


def clip_pseudonyms(clip: Clip) -> dict[int, str]:
    annotators = (
        Annotation.objects.filter(clip=clip, is_current=True)
        .order_by("pk")
        .values_list("annotator_id", flat=True)
    )
    return {annotator: pseudonym(i) for i, annotator in enumerate(annotators)}


def clip_layer1_labels(clip: Clip) -> list[dict[str, Any]]:
    """Every current layer-1 label with its pseudonym, and the annotator's finalised trace."""
    names = clip_pseudonyms(clip)
    traces = {
        t.annotator_id: t
        for t in Trace.objects.filter(
            clip=clip, is_current=True, status=Trace.Status.FINALISED
        ).only("pk", "annotator_id", "gap_report")
    }
    annotations = Annotation.objects.filter(clip=clip, is_current=True).order_by("pk")
    return [
        {
            "annotator": names[a.annotator_id],
            "revision": a.revision,
            "payload": a.payload,
            "submitted_at": a.submitted_at,
            "trace": (
                {"id": traces[a.annotator_id].pk, "gaps": traces[a.annotator_id].gap_report}
                if a.annotator_id in traces
                else None
            ),
        }
        for a in annotations
    ]


def trace_for_user(user: User | AnonymousUser, trace_id: int) -> Trace:
    """The recorder's own trace; adjudicators and admins may read finalised ones."""
    trace = get_object_or_404(
        Trace.objects.select_related("clip__project").defer("data"), pk=trace_id
    )
    if trace.annotator_id == user.pk:
        return trace
    if trace.status == Trace.Status.FINALISED and has_role(
        user, trace.clip.project, Role.ADJUDICATOR, Role.ADMIN
    ):
        return trace
    raise Http404


def clip_agreement(clip: Clip) -> dict[str, Any] | None:
    agreement: ClipAgreement | None = getattr(clip, "agreement", None)  # select_related or 1 query
    if agreement is None:
        return None
    return {
        "n_annotations": agreement.n_annotations,
        "tier": agreement.tier,
        "confidence": agreement.confidence,
        "n_distinct": agreement.n_distinct,
        "aggregate": agreement.aggregate,
        "metrics": agreement.metrics,
        "computed_at": agreement.computed_at,
    }


def disputed_clips(project: Project, user: User | AnonymousUser) -> QuerySet[Clip]:
    """The disputed queue, oldest first, each flagged when an adjudicator has it open. An
    adjudicator never sees the clips they labelled in layer 1; admins see every one."""
    open_l2 = Assignment.objects.filter(
        clip=OuterRef("pk"), layer=2, status=Assignment.Status.ACTIVE
    )
    clips = (
        Clip.objects.filter(project=project, stage=Clip.Stage.DISPUTED)
        .select_related("agreement")
        .annotate(in_progress=Exists(open_l2))
        .order_by("updated_at", "pk")
    )
    if not has_role(user, project, Role.ADMIN):
        labelled = Annotation.objects.filter(clip=OuterRef("pk"), annotator_id=user.pk)
        clips = clips.exclude(Exists(labelled))
    return clips


def layer1_candidates(user: User, project: Project) -> QuerySet[Clip]:
    """Clips the user could be given now: ready, in layer 1, below k counting live leases, and
    never held (except by a lapsed lease) or labelled by this user; least-annotated first."""
    seen = Assignment.objects.filter(clip=OuterRef("pk"), user=user, layer=1).exclude(
        status=Assignment.Status.EXPIRED
    )
    labelled = Annotation.objects.filter(clip=OuterRef("pk"), annotator=user)
    return (
        Clip.objects.filter(
            project=project, stage=Clip.Stage.LAYER1, media_status=Clip.MediaStatus.READY
        )
        .alias(load=F("layer1_count") + F("layer1_open"))
        .filter(load__lt=project.overlap_k)
        .exclude(Exists(seen))
        .exclude(Exists(labelled))
        .order_by("layer1_count", "layer1_open", "pk")
    )


def annotator_progress(user: User, project: Project) -> dict[str, Any]:
    mine = Annotation.objects.filter(
        clip__project=project, annotator=user, status=Annotation.Status.SUBMITTED, revision=1
    )
    return {
        "done_today": mine.filter(submitted_at__date=timezone.localdate()).count(),
        "done_total": mine.count(),
        "remaining_for_you": layer1_candidates(user, project).count(),
    }


def project_stage_counts(project: Project) -> dict[str, int]:
    rows = Clip.objects.filter(project=project).values("stage").annotate(n=Count("id"))
    return {row["stage"]: row["n"] for row in rows}
