"""Handing out work: the next clip for an annotator (layer 1) or an adjudicator (layer 2).

Concurrency: a user's own requests are serialised on their membership row; claimers never
wait on each other's clips (PostgreSQL ``FOR UPDATE SKIP LOCKED`` on the candidate clip). The
live-lease counter sits on the clip row itself, so when a claimer reaches a row another one has
just changed, PostgreSQL re-checks ``layer1_count + layer1_open < k`` on the new version. The
unique constraints on Assignment back both rules. SQLite has no row locks: there every write
transaction takes the database lock up front (settings: IMMEDIATE), which serialises claims.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict, NotAllowed, roles_words, state_word
from annotation.models import Assignment, Membership, Project, Role
from annotation.selectors import (
    blind_clips,
    cap_reached,
    layer1_candidates,
    open_assignment,
    roles_in,
)
from annotation.services.audit import audit_record
from clips.models import Clip


def _lock_membership(user: User, project: Project, role: str) -> None:
    locked = (
        Membership.objects.select_for_update()
        .filter(project=project, user=user, role=role, is_active=True)
        .exists()
    )
    if not locked and not (role == Role.ADMIN and user.is_superuser):
        raise NotAllowed(
            _("this needs the %(roles)s role in %(project)s")
            % {"roles": roles_words([role]), "project": project.slug}
        )


def _claim_first(queryset: QuerySet[Clip]) -> Clip | None:
    """The first candidate, locked. A row locked by someone else is skipped, so claimers do
    not queue behind each other; but a skipped row is not an empty queue: when every
    candidate is locked (others mid-claim or mid-submit on the last free slots), wait for
    them, and PostgreSQL re-checks each row's conditions on its committed version."""
    if not connection.features.has_select_for_update_skip_locked:
        return queryset.first()
    clip = queryset.select_for_update(skip_locked=True, of=("self",)).first()
    while clip is None:
        first = queryset.values_list("pk", flat=True).first()
        if first is None:
            return None
        # Wait on that one row only: a blocking scan keeps the rows it locked and rejected,
        # in an order that differs between claimers, and two of them deadlock.
        clip = queryset.filter(pk=first).select_for_update(of=("self",)).first()
        if clip is None:
            clip = queryset.select_for_update(skip_locked=True, of=("self",)).first()
    return clip


def _expire(assignments: QuerySet[Assignment]) -> int:
    """Mark leases expired one by one in id order (a fixed lock order: no deadlocks), each
    claimed by a conditional update so two reclaimers never both decrement a counter."""
    expired = 0
    for pk, clip_id, layer in assignments.order_by("pk").values_list("pk", "clip_id", "layer"):
        with transaction.atomic():
            if Assignment.objects.filter(pk=pk, status=Assignment.Status.ACTIVE).update(
                status=Assignment.Status.EXPIRED, finished_at=timezone.now()
            ):
                expired += 1
                if layer == 1:
                    Clip.objects.filter(pk=clip_id).update(layer1_open=F("layer1_open") - 1)
    return expired


def assignments_reclaim_expired(*, project: Project | None = None) -> int:
    """Return lapsed leases to the pool (the beat task runs this every minute)."""
    stale = Assignment.objects.filter(
        status=Assignment.Status.ACTIVE, expires_at__lt=timezone.now()
    )
    if project is not None:
        stale = stale.filter(clip__project=project)
    return _expire(stale)


def _lease(project: Project, clip: Clip, user: User, layer: int) -> Assignment:
    assignment = Assignment.objects.create(
        clip=clip,
        user=user,
        layer=layer,
        expires_at=timezone.now() + timedelta(minutes=project.lease_minutes),
    )
    audit_record(
        action=f"assignment.claimed.l{layer}", project=project, actor=user, target=assignment
    )
    return assignment


def _refuse_if_archived(project: Project) -> None:
    """An archived project takes no new claims; a clip already open may still be finished."""
    if project.archived_at is not None:
        raise Conflict(_("this project is archived: it takes no new claims"))


def assignment_next(*, user: User, project: Project) -> Assignment | None:
    """The user's unfinished clip, else the least-annotated ready clip they have not seen.

    None when the queue is empty for them (or their cap is reached: ``cap_reached``).
    """
    assignments_reclaim_expired(project=project)
    with transaction.atomic():
        _lock_membership(user, project, Role.ANNOTATOR)
        current = open_assignment(user, project, layer=1)
        if current is not None:
            return current
        _refuse_if_archived(project)
        if cap_reached(user, project):
            return None
        clip = _claim_first(layer1_candidates(user, project))
        if clip is None:
            return None
        Clip.objects.filter(pk=clip.pk).update(layer1_open=F("layer1_open") + 1)
        return _lease(project, clip, user, layer=1)


def adjudication_next(
    *, user: User, project: Project, clip_id: int | None = None
) -> Assignment | None:
    """The adjudicator's unfinished clip, else the oldest disputed clip they did not label.

    With ``clip_id`` (picked from the queue): that clip, even one they skipped before, as long
    as it is disputed, free, not labelled by them, and they have no other clip open."""
    assignments_reclaim_expired(project=project)
    with transaction.atomic():
        _lock_membership(user, project, Role.ADJUDICATOR)
        current = open_assignment(user, project, layer=2)
        if current is not None and clip_id in (None, current.clip_id):
            return current
        if current is not None:
            raise Conflict(
                _("decide or skip the clip you have open (%(clip)s) first")
                % {"clip": current.clip.external_id}
            )
        _refuse_if_archived(project)
        taken = Assignment.objects.filter(
            clip=OuterRef("pk"), layer=2, status=Assignment.Status.ACTIVE
        )
        candidates = (
            Clip.objects.filter(project=project, stage=Clip.Stage.DISPUTED)
            .exclude(Exists(taken))
            .exclude(blind_clips(user, roles_in(user, project)))
            .order_by("updated_at", "pk")
        )
        if clip_id is not None:
            clip = _claim_first(candidates.filter(pk=clip_id))
            if clip is None:
                raise Conflict(_("this clip is not waiting for you: decided, taken or yours"))
            return _lease(project, clip, user, layer=2)
        released = Assignment.objects.filter(
            clip=OuterRef("pk"), layer=2, user=user, status=Assignment.Status.RELEASED
        )
        clip = _claim_first(candidates.exclude(Exists(released)))
        if clip is None:
            return None
        return _lease(project, clip, user, layer=2)


def clip_stage_reviewable(*, clip_id: int, stage: str) -> None:
    """Put a clip where reviewers read its labels (disputed or gold), marking it as opened to
    review the first time: layer 1 never offers it again to anyone who held a review role."""
    Clip.objects.filter(pk=clip_id).update(
        stage=stage, review_opened_at=Coalesce("review_opened_at", Now())
    )


def adjudication_leases_end(*, clip_ids: list[int], reason: str) -> int:
    """End the layer-2 leases on clips that left the disputed queue other than by a decision
    (re-routed after k or the rule changed, labels corrected): the decision they were for is
    no longer asked. The adjudicator is told by a 409 on their next write."""
    ended = 0
    leases = Assignment.objects.filter(
        clip_id__in=clip_ids, layer=2, status=Assignment.Status.ACTIVE
    ).select_related("clip__project")
    for lease in leases.order_by("pk"):
        if Assignment.objects.filter(pk=lease.pk, status=Assignment.Status.ACTIVE).update(
            status=Assignment.Status.EXPIRED, finished_at=timezone.now()
        ):
            ended += 1
            audit_record(
                action="assignment.ended",
                project=lease.clip.project,
                target=lease,
                data={"clip": lease.clip_id, "reason": reason},
            )
    return ended


def assignment_release(*, assignment_id: int, user: User) -> Assignment:
    """Skip: give the clip back; it is not offered to this user again. Idempotent."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("clip__project")
            .get(pk=assignment_id, user=user)
        )
        if assignment.status == Assignment.Status.RELEASED:
            return assignment
        if assignment.status != Assignment.Status.ACTIVE:
            raise Conflict(
                _("this assignment is %(status)s, not active")
                % {"status": state_word(assignment.status)}
            )
        assignment.status = Assignment.Status.RELEASED
        assignment.finished_at = timezone.now()
        assignment.save(update_fields=["status", "finished_at"])
        if assignment.layer == 1:
            Clip.objects.filter(pk=assignment.clip_id).update(layer1_open=F("layer1_open") - 1)
        audit_record(
            action="assignment.released",
            project=assignment.clip.project,
            actor=user,
            target=assignment,
        )
        return assignment
