"""Reads, always scoped to what the user may see."""

from collections.abc import Mapping
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.compiled_sql import compiled, fetched, prepared_raw
from annotation.errors import NotAllowed, roles_words
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


def user_id(user: User | AnonymousUser) -> int:
    """The user's id for a lookup; an anonymous user's matches no row."""
    return user.pk or 0


def projects_for_user(user: User | AnonymousUser) -> QuerySet[Project]:
    """The projects the user is an active member of; an archived one only for its admins.
    Staff status opens the Django admin and nothing else; a superuser is an admin of every
    project."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    active = Membership.objects.filter(project=OuterRef("pk"), user_id=user.pk, is_active=True)
    return Project.objects.filter(
        Exists(active), Q(archived_at__isnull=True) | Exists(active.filter(role=Role.ADMIN))
    )


def projects_with_roles(user: User | AnonymousUser) -> list[tuple[Project, set[str]]]:
    """The user's projects, each with their active roles there (two queries in all)."""
    projects = list(projects_for_user(user).order_by("name", "slug"))
    if not projects:  # signed out, or a member of nothing
        return []
    roles: dict[int, set[str]] = {project.pk: set() for project in projects}
    member = cast(int, user.pk)  # signed in: projects_for_user returned some
    memberships = Membership.objects.filter(user_id=member, is_active=True, project__in=projects)
    for project_id, role in memberships.values_list("project_id", "role"):
        roles[project_id].add(role)
    extra = {Role.ADMIN} if user.is_superuser else set()
    return [(project, roles[project.pk] | extra) for project in projects]


def project_for_user(user: User | AnonymousUser, slug: str) -> Project:
    """The project if the user is an active member (or a superuser); 404 otherwise. Asked on
    every project-scoped request: its SQL is compiled once per shape (compiled_sql)."""
    if not user.is_authenticated:
        raise Http404
    superuser = user.is_superuser

    def build(v: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        who = User(pk=v["user"], is_superuser=superuser)
        return projects_for_user(who).filter(slug=v["slug"]).query.sql_with_params()

    sql, params = compiled(("project_for_user", superuser), build, user=user.pk, slug=slug)
    found = list(prepared_raw(Project, sql, params))
    if not found:
        raise Http404(f"No {Project._meta.object_name} matches the given query.")
    return found[0]


def catalogue_clips(user: User | AnonymousUser, project: Project) -> QuerySet[Clip]:
    """The clips a member may browse (and fetch the media of, see media_access): every clip
    for admins and adjudicators, only those they hold or held for annotators."""
    roles = roles_in(user, project)
    clips = Clip.objects.filter(project=project).order_by("id")
    if roles & {Role.ADMIN, Role.ADJUDICATOR}:
        return clips
    held = Assignment.objects.filter(clip=OuterRef("pk"), user_id=user_id(user), layer=1)
    return clips.filter(Exists(held))


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
            % {"roles": roles_words(roles), "project": project.slug}
        )


def active_role(user: User | AnonymousUser, role: str) -> Exists:
    """Whether the user holds ``role`` in the outer row's project, actively (for subqueries
    on rows with a ``clip``)."""
    return Exists(
        Membership.objects.filter(
            project_id=OuterRef("clip__project_id"),
            user_id=user_id(user),
            role=role,
            is_active=True,
        )
    )


def assignment_for_user(
    user: User | AnonymousUser, assignment_id: int, *, with_clip: bool = False
) -> Assignment:
    """Only the holder of an assignment reaches it (404 for anyone else), and only while they
    hold the layer's role in the project: a deactivated member can do nothing with it.
    ``with_clip``: its clip and project read with it (the actions that only check the lease
    before a service locks it again do without)."""
    if not 0 < assignment_id < 2**63:  # no row has it (and PostgreSQL would refuse it)
        raise Http404

    def build(v: Mapping[str, Any]) -> QuerySet[Assignment]:
        holder = User(pk=v["user"])
        rows = (
            Assignment.objects.select_related("clip__project") if with_clip else Assignment.objects
        )
        return (
            rows.alias(
                may_label=active_role(holder, Role.ANNOTATOR),
                may_decide=active_role(holder, Role.ADJUDICATOR),
            )
            .filter(Q(layer=1, may_label=True) | Q(layer=2, may_decide=True))
            .filter(pk=v["assignment"], user_id=v["user"])
        )

    found = fetched(
        ("assignment_for_user", with_clip), build, user=user_id(user), assignment=assignment_id
    )
    if not found:
        raise Http404(f"No {Assignment._meta.object_name} matches the given query.")
    return found[0]


def annotations_of_user(user: User | AnonymousUser) -> QuerySet[Annotation]:
    """The user's submitted labels, in the projects they still annotate."""
    return Annotation.objects.filter(
        annotator_id=user.pk, status=Annotation.Status.SUBMITTED
    ).filter(active_role(user, Role.ANNOTATOR))


def current_annotations(user: User | AnonymousUser, project: Project) -> QuerySet[Annotation]:
    """The user's labels in force in the project, one per clip (what they may correct)."""
    return annotations_of_user(user).filter(clip__project=project, is_current=True)


def assignment_annotation_id(assignment: Assignment) -> int | None:
    """For a submitted layer-1 assignment, the holder's current revision of its labels (the
    one a correction starts from, wherever it was submitted: another tab, another device)."""
    if assignment.layer != 1 or assignment.status != Assignment.Status.SUBMITTED:
        return None
    return (
        Annotation.objects.filter(
            clip_id=assignment.clip_id, annotator_id=assignment.user_id, is_current=True
        )
        .values_list("pk", flat=True)
        .first()
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


# --- blindness ------------------------------------------------------------------------------
# Blindness belongs to the user and the clip, whatever mix of roles the user holds: nobody
# reads another's labels, the agreement or the gold of a clip they labelled, hold or held in
# layer 1, or — while they are an annotator of the project — a clip still collecting layer-1
# labels (it may be offered to them next). Admins are bound by it too on these reads; their
# project-wide exports (releases, the audit log) are theirs by role (README, "Blindness").

REVIEW_ROLES = (Role.ADJUDICATOR, Role.ADMIN)
COLLECTING = (Clip.Stage.LAYER1, Clip.Stage.AGGREGATING)


def blind_clips(user: User | AnonymousUser, roles: set[str]) -> Q:
    """The clips (a condition on Clip rows) whose labels the user must not read."""
    labelled = Annotation.objects.filter(clip=OuterRef("pk"), annotator_id=user.pk)
    held = Assignment.objects.filter(clip=OuterRef("pk"), user_id=user_id(user), layer=1)
    blind = Q(Exists(labelled)) | Q(Exists(held))
    if Role.ANNOTATOR in roles:
        blind |= Q(stage__in=COLLECTING)
    return blind


def reviewable_clips(user: User | AnonymousUser, project: Project) -> QuerySet[Clip]:
    """The project's clips whose layer-1 work the user may read: admins, and adjudicators
    once layer 1 is over (disputed or gold), never on a clip they are blind to."""
    roles = roles_in(user, project)
    if not roles & set(REVIEW_ROLES):
        return Clip.objects.none()
    clips = Clip.objects.filter(project=project).exclude(blind_clips(user, roles))
    if Role.ADMIN not in roles:
        clips = clips.filter(stage__in=[Clip.Stage.DISPUTED, Clip.Stage.GOLD])
    return clips


def may_review(user: User | AnonymousUser, clip: Clip) -> bool:
    return reviewable_clips(user, clip.project).filter(pk=clip.pk).exists()


def annotation_for_user(user: User | AnonymousUser, annotation_id: int) -> Annotation:
    """Annotators see their own annotations; adjudicators and admins those of clips they may
    review (404 otherwise: not yours to know about)."""
    annotation = get_object_or_404(
        Annotation.objects.select_related("clip__project"), pk=annotation_id
    )
    if annotation.annotator_id == user.pk and has_role(
        user, annotation.clip.project, Role.ANNOTATOR
    ):
        return annotation
    if may_review(user, annotation.clip):
        return annotation
    raise Http404


def clip_for_staff(user: User | AnonymousUser, clip_id: int) -> Clip:
    """A clip's workflow state is for the project's adjudicators and admins only (403 for a
    member without the role), and never for one blind to the clip (404)."""
    clip = get_object_or_404(
        Clip.objects.select_related("project", "agreement").prefetch_related("segments"),
        pk=clip_id,
        project__in=projects_for_user(user),
    )
    require_role(user, clip.project, *REVIEW_ROLES)
    if not may_review(user, clip):
        raise Http404
    return clip


def clip_for_admin(user: User | AnonymousUser, clip_id: int) -> Clip:
    """A clip an admin acts on (reopen): no labels are read, so blindness does not apply."""
    clip = get_object_or_404(
        Clip.objects.select_related("project"),
        pk=clip_id,
        project__in=projects_for_user(user),
    )
    require_role(user, clip.project, Role.ADMIN)
    return clip


def pseudonym(index: int) -> str:
    """Annotator A, B, C... in the order their labels arrived: blind, stable per clip; in the
    reader's language (the adjudicator reads them as column and lane names)."""
    letter = chr(ord("A") + index) if index < 26 else str(index + 1)
    return _("Annotator %(letter)s") % {"letter": letter}


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
    """The recorder's own trace; adjudicators and admins may read finalised ones of clips they
    may review."""
    trace = get_object_or_404(
        Trace.objects.select_related("clip__project").defer("data"), pk=trace_id
    )
    if trace.annotator_id == user.pk and has_role(user, trace.clip.project, Role.ANNOTATOR):
        return trace
    if trace.status == Trace.Status.FINALISED and may_review(user, trace.clip):
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
    """The disputed queue, oldest first, each flagged when an adjudicator has it open (and
    whether that is the user); never
    a clip the user is blind to (labelled, held)."""
    open_l2 = Assignment.objects.filter(
        clip=OuterRef("pk"), layer=2, status=Assignment.Status.ACTIVE
    )
    return (
        reviewable_clips(user, project)
        .filter(stage=Clip.Stage.DISPUTED)
        .select_related("agreement")
        .annotate(
            in_progress=Exists(open_l2),
            yours=Exists(open_l2.filter(user_id=user.pk))
            if user.is_authenticated
            else Value(False),
        )
        .order_by("updated_at", "pk")
    )


def layer1_candidates(user: User, project: Project, *, now: bool = True) -> QuerySet[Clip]:
    """Clips the user could be given now: ready, in layer 1, below k counting live leases, and
    never held (except by a lapsed lease) or labelled by this user; least-annotated first.

    Blindness the other way round: a clip the user has held in layer 2 is never offered, and a
    reviewer — anyone who holds or held a review role here, or a superuser — is never
    offered a clip whose labels have been open to review (routed, or reopened by an admin): it
    came back to layer 1 because k was raised or labels were corrected, and they may have
    read it meanwhile.

    ``now=False``: what is left for the user at all, whether or not others hold the free
    slots at this moment (their leases end in a submit or go back to the pool)."""
    clips = Clip.objects.filter(
        project=project, stage=Clip.Stage.LAYER1, media_status=Clip.MediaStatus.READY
    ).alias(load=F("layer1_count") + F("layer1_open") if now else F("layer1_count"))
    if not adaptive_overlap(project):
        clips = clips.filter(load__lt=project.overlap_k)
        return _new_to(user, project, clips).order_by("layer1_count", "layer1_open", "pk")
    # Adaptive (services/overlap.py): a static clip is open below the target its submits and
    # the refits keep on it (none yet: the project's minimum); streams keep k.
    static = Q(kind=Clip.Kind.STATIC) & (
        Q(layer1_target__isnull=True, load__lt=project.overlap["min_labels"])
        | Q(load__lt=F("layer1_target"))
    )
    clips = clips.filter(static | Q(kind=Clip.Kind.STREAM, load__lt=project.overlap_k))
    return _new_to(user, project, clips).order_by("-layer1_priority", "pk")


def adaptive_overlap(project: Project) -> bool:
    return bool(project.overlap.get("strategy") == "adaptive")


def control_candidates(user: User, project: Project) -> QuerySet[Clip]:
    """Control items the user could be served: ready, new to them in the same sense as
    ``layer1_candidates`` (a promoted gold's reviewers read its labels), oldest first."""
    clips = Clip.objects.filter(
        project=project, stage=Clip.Stage.CONTROL, media_status=Clip.MediaStatus.READY
    )
    return _new_to(user, project, clips).order_by("pk")


def _new_to(user: User, project: Project, clips: QuerySet[Clip]) -> QuerySet[Clip]:
    """``clips`` never held (except by a lapsed lease) or labelled by the user, nor opened to
    review if they hold or held a review role (see ``layer1_candidates``)."""
    seen = Assignment.objects.filter(clip=OuterRef("pk"), user=user).exclude(
        layer=1, status=Assignment.Status.EXPIRED
    )
    labelled = Annotation.objects.filter(clip=OuterRef("pk"), annotator=user)
    clips = clips.exclude(Exists(seen)).exclude(Exists(labelled))
    opened = Q(review_opened_at__isnull=False)
    if not user.is_superuser:  # a subquery, evaluated once in the candidates' statement
        opened &= Q(
            Exists(Membership.objects.filter(project=project, user=user, role__in=REVIEW_ROLES))
        )
    return clips.exclude(opened)


def annotator_progress(user: User, project: Project) -> dict[str, Any]:
    mine = Annotation.objects.filter(
        clip__project=project, annotator=user, status=Annotation.Status.SUBMITTED, revision=1
    )
    return {
        "done_today": mine.filter(submitted_at__date=timezone.localdate()).count(),
        "done_total": mine.count(),
        "remaining_for_you": remaining_for(user, project),
    }


def cap_reached(user: User, project: Project) -> bool:
    """The user has taken (labelled or holds) as many clips as the project's cap allows."""
    if project.per_user_cap is None:
        return False
    return cap_taken(user, project).count() >= project.per_user_cap


def cap_taken(user: User, project: Project) -> QuerySet[Assignment]:
    """The leases the cap counts: the user's layer-1 clips, held or labelled. Not control
    items: the cap bounds one person's share of the benchmark's labels, which controls are
    not (they measure the person)."""
    return Assignment.objects.filter(
        user=user, layer=1, clip__project=project,
        status__in=[Assignment.Status.ACTIVE, Assignment.Status.SUBMITTED],
    ).exclude(clip__stage=Clip.Stage.CONTROL)  # fmt: skip


def remaining_for(user: User, project: Project) -> int:
    """Clips left for the user: the one they have open and those they could still label,
    whoever holds a free slot at this moment, within their cap. One definition, so that
    every annotator's count goes down by one per clip they finish."""
    # One statement, so that a claim committing between two counts cannot be counted twice
    # (once as a candidate, once as the open clip).
    held = Assignment.objects.filter(
        clip=OuterRef("pk"),
        user=user,
        layer=1,
        status=Assignment.Status.ACTIVE,  # lapsed or not: until reclaimed it is not offered
    )
    candidates = layer1_candidates(user, project, now=False).order_by().values("pk")
    remaining = (
        Clip.objects.filter(project=project).filter(Q(pk__in=candidates) | Q(Exists(held))).count()
    )
    if project.per_user_cap is not None:
        done = Annotation.objects.filter(
            clip__project=project, annotator=user, status=Annotation.Status.SUBMITTED, revision=1
        ).count()
        remaining = min(remaining, max(0, project.per_user_cap - done))
    return remaining


def project_stage_counts(project: Project) -> dict[str, int]:
    rows = Clip.objects.filter(project=project).values("stage").annotate(n=Count("id"))
    return {row["stage"]: row["n"] for row in rows}


def own_annotation(user: User | AnonymousUser, annotation_id: int) -> Annotation:
    """The user's own annotation while they are an annotator of its project (404 otherwise: a
    deactivated or removed member can do nothing with it)."""
    annotation = get_object_or_404(
        Annotation.objects.select_related("clip__project"),
        pk=annotation_id,
        annotator_id=user_id(user),
    )
    if not has_role(user, annotation.clip.project, Role.ANNOTATOR):
        raise Http404
    return annotation
