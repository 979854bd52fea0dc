"""Handing out work: the next clip for an annotator (layer 1) or an adjudicator (layer 2).

Concurrency: a user's own requests are serialised on their membership row; claimers never
wait on each other's clips (PostgreSQL ``FOR UPDATE SKIP LOCKED`` on the candidate clip). The
live-lease counter sits on the clip row itself, so when a claimer reaches a row another one has
just changed, PostgreSQL re-checks ``layer1_count + layer1_open < k`` on the new version. The
unique constraints on Assignment back both rules. SQLite has no row locks: there every write
transaction takes the database lock up front (settings: IMMEDIATE), which serialises claims.

A layer-1 claim on PostgreSQL is two statements: the membership lock, then one CTE that picks,
counts, leases and audits (or returns the lease already open). Lapsed leases are returned to
the pool by the beat task; a claim sweeps them itself only when it finds nothing, in case they
held the last free slots.
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.compiled_sql import compiled, prepared_raw
from annotation.errors import Conflict, NotAllowed, Paused, roles_words, state_word
from annotation.models import (
    Assignment,
    AuditEvent,
    Membership,
    Project,
    Qualification,
    Role,
    Trace,
)
from annotation.selectors import (
    adaptive_overlap,
    blind_clips,
    cap_reached,
    cap_taken,
    control_candidates,
    has_role,
    layer1_candidates,
    open_assignment,
    roles_in,
)
from annotation.selectors.quality import active_pause, pause_text
from annotation.services.audit import audit_record
from annotation.services.qualification import qualification_round
from clips.models import Clip, Segment


def _not_allowed(project: Project, role: str) -> NotAllowed:
    return NotAllowed(
        _("this needs the %(roles)s role in %(project)s")
        % {"roles": roles_words([role]), "project": project.slug}
    )


def _lock_membership(user: User, project: Project, role: str) -> None:
    locked = (
        Membership.objects.select_for_update()
        .filter(project=project, user=user, role=role, is_active=True)
        .exists()
    )
    if not locked and not (role == Role.ADMIN and user.is_superuser):
        raise _not_allowed(project, role)


Claimed = TypeVar("Claimed")


def _claim_first(
    candidates: Callable[[], QuerySet[Clip]],
    take: Callable[[QuerySet[Clip]], Claimed | None],
    *,
    first: Callable[[], Claimed | None] | None = None,
) -> Claimed | None:
    """``take`` the first candidate, locked. A row locked by someone else is skipped, so
    claimers do not queue behind each other; but a skipped row is not an empty queue: when
    every candidate is locked (others mid-claim or mid-submit on the last free slots), wait
    for them, and PostgreSQL re-checks each row's conditions on its committed version.
    ``first``, when given, is the first skip-locked try: the claim's statement, compiled once
    per shape (building the candidates' queryset costs more than running it)."""
    if not connection.features.has_select_for_update_skip_locked:
        return take(candidates())
    if first is not None:
        got = first()
        if got is not None:
            return got
    queryset = candidates()
    if first is None:
        got = take(queryset.select_for_update(skip_locked=True, of=("self",)))
    while got is None:
        head = queryset.values_list("pk", flat=True).first()
        if head is None:
            return None
        # Wait on that one row only: a blocking scan keeps the rows it locked and rejected,
        # in an order that differs between claimers, and two of them deadlock.
        got = take(queryset.filter(pk=head).select_for_update(of=("self",)))
        if got is None:
            got = take(queryset.select_for_update(skip_locked=True, of=("self",)))
    return got


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
    assignment.claimed_now = True
    return assignment


def _refuse_if_archived(project: Project) -> None:
    """An archived project takes no new claims; a clip already open may still be finished."""
    if project.archived_at is not None:
        raise Conflict(_("this project is archived: it takes no new claims"))


def _open_layer1(user: User, project: Project, now: datetime) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        user=user,
        layer=1,
        clip__project=project,
        status=Assignment.Status.ACTIVE,
        expires_at__gt=now,
    )


def _claimable(user: User, project: Project, now: datetime) -> QuerySet[Clip]:
    """The candidates, none at all while the user has a clip open or has reached the cap:
    both are uncorrelated subqueries, evaluated once in the claim's statement."""
    candidates = layer1_candidates(user, project).exclude(Exists(_open_layer1(user, project, now)))
    if project.per_user_cap is None:
        return candidates
    taken = cap_taken(user, project).values("user").annotate(n=Count("pk")).values("n")
    return candidates.alias(taken=Coalesce(Subquery(taken), 0)).filter(
        taken__lt=project.per_user_cap
    )


def _locking_sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The queryset's SQL with its row lock, outside a transaction (the ORM refuses to compile
    a lock there: it cannot know that the statement carrying it commits by itself)."""
    query = queryset.query.clone()
    lock = "FOR UPDATE OF " + connection.ops.quote_name(queryset.model._meta.db_table)
    if query.select_for_update_skip_locked:
        lock += " SKIP LOCKED"
    query.select_for_update = False
    sql, params = query.sql_with_params()
    return f"{sql} {lock}", params


def _lease_sql(
    project: Project, user: User, locked: QuerySet[Clip], now: datetime, expires: datetime
) -> tuple[str, tuple[Any, ...]]:
    pick, pick_params = _locking_sql(locked.values("pk")[:1])
    held, held_params = (
        _open_layer1(user, project, now)
        .values("pk", "clip_id", "created_at", "expires_at")[:1]
        .query.sql_with_params()
    )
    names = [connection.ops.quote_name(cast(str, f.column)) for f in Clip._meta.concrete_fields]
    clip_table, lease_table = Clip._meta.db_table, Assignment._meta.db_table
    sql = f"""
        WITH member AS (
            SELECT id, claims FROM {Membership._meta.db_table}
            WHERE project_id = %s AND user_id = %s AND role = %s AND is_active
        ),
        turn AS (
            UPDATE {Membership._meta.db_table} SET claims = claims + 1
            WHERE id = (SELECT id FROM member) AND claims = (SELECT claims FROM member)
            RETURNING id
        ),
        pick(id) AS ({pick}),
        bump AS (
            UPDATE {clip_table} SET layer1_open = layer1_open + 1
            WHERE id IN (SELECT id FROM pick) AND EXISTS (SELECT 1 FROM turn)
            RETURNING {", ".join(names)}
        ),
        lease AS (
            INSERT INTO {lease_table} (clip_id, user_id, layer, status, created_at, expires_at)
            SELECT id, %s, 1, %s, %s, %s FROM bump RETURNING id, clip_id, created_at, expires_at
        ),
        audit AS (
            INSERT INTO {AuditEvent._meta.db_table}
                (project_id, actor_id, action, target_type, target_id, data, created_at)
            SELECT %s, %s, 'assignment.claimed.l1', %s, id::text, '{{}}', %s FROM lease
        ),
        held(id, clip_id, created_at, expires_at) AS ({held}),
        got AS (
            SELECT true AS claimed_now, lease.id AS lease_id,
                   lease.created_at AS lease_created_at, lease.expires_at AS lease_expires_at,
                   bump.*
            FROM lease JOIN bump ON bump.id = lease.clip_id
            UNION ALL
            SELECT false, held.id, held.created_at, held.expires_at,
                   {", ".join(f"c.{name}" for name in names)}
            FROM held JOIN {clip_table} c ON c.id = held.clip_id
        )
        SELECT EXISTS (SELECT 1 FROM member) AS is_member,
               EXISTS (SELECT 1 FROM turn) AS had_turn,
               EXISTS (SELECT 1 FROM {Segment._meta.db_table} s WHERE s.clip_id = got.id)
                   AS has_segments,
               got.*
        FROM (SELECT 1) AS one LEFT JOIN got ON true
    """
    params = (
        project.pk,
        user.pk,
        Role.ANNOTATOR,
        *pick_params,
        user.pk,
        Assignment.Status.ACTIVE,
        now,
        expires,
        project.pk,
        user.pk,
        Assignment._meta.label_lower,
        now,
        *held_params,
    )
    return sql, params


def _claim_sql(
    project: Project, user: User, now: datetime, expires: datetime
) -> tuple[str, tuple[Any, ...]]:
    """The claim's statement on the user's candidates, skipping locked rows: compiled once
    per shape (a superuser's candidates and a capped project's differ in text)."""

    adaptive = adaptive_overlap(project)

    def build(v: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        overlap = {"strategy": "adaptive", "min_labels": v["min_labels"]} if adaptive else {}
        shape = Project(
            pk=v["project"], overlap_k=v["k"], per_user_cap=v.get("cap"), overlap=overlap
        )
        who = User(pk=v["user"], is_superuser=user.is_superuser)
        locked = _claimable(who, shape, v["now"]).select_for_update(skip_locked=True, of=("self",))
        return _lease_sql(shape, who, locked, v["now"], v["expires"])

    extra = {} if project.per_user_cap is None else {"cap": project.per_user_cap}
    if adaptive:
        extra["min_labels"] = project.overlap["min_labels"]
    return compiled(
        ("claim", user.is_superuser, adaptive), build, project=project.pk, user=user.pk,
        k=project.overlap_k, now=now, expires=expires, **extra,
    )  # fmt: skip


def _lease_in_one_statement(
    project: Project, user: User, locked: QuerySet[Clip] | None
) -> Assignment | None:
    """Lock the first clip of ``locked`` (None: of the user's candidates, skipping locked
    rows), count the lease on it, insert it and its audit row;
    or, when the user has a clip open (``locked`` is then empty), that lease. One statement,
    committed on its own; the response is built from what it returned.

    The user's own claims take turns on their membership row, as the ORM path's lock does, but
    optimistically: each bumps ``claims`` where it still holds the value this statement's
    snapshot read. A claim of theirs committed meanwhile makes the bump match nothing (PostgreSQL
    re-checks the condition on the row's new version): nothing is leased, and the claim is
    asked again, in a new snapshot that sees the lease the other one took."""
    now = timezone.now()
    expires = now + timedelta(minutes=project.lease_minutes)
    if locked is None:
        sql, params = _claim_sql(project, user, now, expires)
    else:
        sql, params = _lease_sql(project, user, locked, now, expires)
    while True:
        (clip,) = prepared_raw(Clip, sql, params)
        got = vars(clip)  # the clip's fields, and the statement's other columns
        if not got["is_member"]:
            raise _not_allowed(project, Role.ANNOTATOR)
        if clip.pk is not None:
            break
        if got["had_turn"]:
            return None
    assignment = Assignment(
        pk=got["lease_id"],
        clip=clip,
        user=user,
        layer=1,
        status=Assignment.Status.ACTIVE,
        created_at=got["lease_created_at"],
        expires_at=got["lease_expires_at"],
    )
    assignment._state.adding = False
    assignment.claimed_now = got["claimed_now"]
    clip.segments_none = not got["has_segments"]  # the answer need not look for them
    return assignment


def _claim_layer1(user: User, project: Project) -> Assignment | None:
    # No transaction on PostgreSQL: each statement commits alone. An archived project (rare)
    # takes the serialised path, which answers the clip still open or refuses a new claim.
    if connection.vendor == "postgresql" and project.archived_at is None:
        lease = partial(_lease_in_one_statement, project, user)
        return _claim_first(
            partial(_claimable, user, project, timezone.now()), lease, first=partial(lease, None)
        )
    return _claim_serialised(
        user, project, may_take=lambda: not cap_reached(user, project), candidates=layer1_candidates
    )


def _claim_serialised(
    user: User,
    project: Project,
    *,
    may_take: Callable[[], bool],
    candidates: Callable[[User, Project], QuerySet[Clip]],
) -> Assignment | None:
    """The user's open layer-1 clip, else the first of their ``candidates`` if ``may_take``,
    leased under their membership row's lock."""
    with transaction.atomic():
        _lock_membership(user, project, Role.ANNOTATOR)
        current = open_assignment(user, project, layer=1)
        if current is not None:
            return current
        _refuse_if_archived(project)
        if not may_take():
            return None
        clip = _claim_first(partial(candidates, user, project), QuerySet.first)
        if clip is None:
            return None
        Clip.objects.filter(pk=clip.pk).update(layer1_open=F("layer1_open") + 1)
        return _lease(project, clip, user, layer=1)


def _control_due(user: User, project: Project) -> bool:
    """Every ``control_rate``-th clip an annotator submits in the project is a control: the
    rate holds exactly over any run of their claims, whoever else works meanwhile."""
    done = Assignment.objects.filter(
        user=user, layer=1, clip__project=project, status=Assignment.Status.SUBMITTED
    ).count()
    return (done + 1) % project.control_rate == 0


def _claim_control(user: User, project: Project) -> Assignment | None:
    """The user's unfinished clip, else a control new to them when one is due, else None.
    On the serialised path (the user's membership row locked): controls are a small share of
    claims, and a project without them never comes here. None left for them: a real clip."""
    return _claim_serialised(
        user, project, may_take=partial(_control_due, user, project), candidates=control_candidates
    )


def assignment_next(*, user: User, project: Project) -> Assignment | None:
    """The user's unfinished clip, else the least-annotated ready clip they have not seen;
    a control item in its place at the project's rate; only control items until they pass
    the project's qualification round, if it asks for one, and nothing once they failed it.

    None when the queue is empty for them (or their cap is reached: ``cap_reached``).
    """
    if project.pause_floor and (pause := active_pause(user, project)) is not None:
        raise Paused(pause_text(pause))
    if project.qualification_controls:
        # The round opens at a first claim (a write): not for a member who may not claim.
        if not has_role(user, project, Role.ANNOTATOR):
            raise _not_allowed(project, Role.ANNOTATOR)
        status = qualification_round(user=user, project=project).status
        if status == Qualification.Status.FAILED:
            return None
        if status == Qualification.Status.RUNNING:  # controls only, until the round is decided
            return _claim_serialised(
                user, project, may_take=lambda: True, candidates=control_candidates
            )
    lease = _claim_control(user, project) if project.control_rate else None
    if lease is None:
        lease = _claim_layer1(user, project)
    if lease is None and assignments_reclaim_expired(project=project):
        lease = _claim_layer1(user, project)  # lapsed leases held the last free slots
    return lease


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
            clip = _claim_first(partial(candidates.filter, pk=clip_id), QuerySet.first)
            if clip is None:
                raise Conflict(_("this clip is not waiting for you: decided, taken or yours"))
            return _lease(project, clip, user, layer=2)
        released = Assignment.objects.filter(
            clip=OuterRef("pk"), layer=2, user=user, status=Assignment.Status.RELEASED
        )
        clip = _claim_first(partial(candidates.exclude, Exists(released)), QuerySet.first)
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
            # The recording is given up with the clip: it takes no more chunks, and (no label
            # of theirs on it) counts nowhere; it stays as an earlier revision.
            Trace.objects.filter(
                clip_id=assignment.clip_id, annotator=user, is_current=True, annotation=None
            ).update(is_current=False)
        audit_record(
            action="assignment.released",
            project=assignment.clip.project,
            actor=user,
            target=assignment,
        )
        return assignment
