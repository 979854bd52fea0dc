"""Layer-1 writes: drafts, submissions (immutable), corrections (new revisions)."""

import math
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.compiled_sql import fetched, prepared_raw
from annotation.errors import Conflict, CoverageLow, state_word
from annotation.models import (
    Annotation,
    Assignment,
    ControlAnswer,
    ControlItem,
    GoldLabel,
    Project,
    Provenance,
    Role,
    Trace,
)
from annotation.payloads import validate_payload
from annotation.schema import trace_min_coverage
from annotation.selectors import active_role, adaptive_overlap, require_role
from annotation.services.audit import audit_record
from annotation.services.controls import control_answer_record
from annotation.services.drafts import draft_flags
from annotation.services.overlap import overlap_wants_more
from annotation.services.routing import clips_enqueue_routing
from annotation.services.traces import trace_coverage
from clips.models import Clip


def _validated(clip: Clip, payload: Any, *, complete: bool) -> dict[str, Any]:
    return validate_payload(
        clip.project.label_schema,
        payload,
        kind=clip.kind,
        duration_s=clip.duration_s,
        complete=complete,
    )


def _locked_assignment(assignment_id: int, user: User) -> Assignment:
    """The user's layer-1 assignment and its clip, their rows locked, with the project's
    settings as committed (SQL compiled once: a hot path), while they are an active annotator
    of the project (checked again here: a member removed since the view's read writes
    nothing). The project's row is share-locked: submits in a project go side by side, while a
    settings change (which updates that row) waits for them and they for it, so none routes by
    settings it has not seen."""

    def build(v: Mapping[str, Any]) -> QuerySet[Assignment]:
        return (
            Assignment.objects.select_for_update(of=("self", "clip"))
            .select_related("clip__project")
            .filter(pk=v["assignment"], user_id=v["user"], layer=1)
            .filter(active_role(User(pk=v["user"]), Role.ANNOTATOR))
        )

    found = fetched(
        "locked_assignment", build, share_locked=(Project._meta.db_table,),
        assignment=assignment_id, user=user.pk,
    )  # fmt: skip
    if not found:
        raise Assignment.DoesNotExist("Assignment matching query does not exist.")
    return found[0]


def annotation_save_draft(*, assignment_id: int, user: User, payload: Any) -> Annotation:
    with transaction.atomic():
        assignment = _locked_assignment(assignment_id, user)
        if assignment.status != Assignment.Status.ACTIVE:
            raise Conflict(
                _("this assignment is %(status)s; drafts need an active one")
                % {"status": state_word(assignment.status)}
            )
        clean = _validated(assignment.clip, payload, complete=False)
        draft, _created = Annotation.objects.update_or_create(
            clip=assignment.clip,
            annotator=user,
            status=Annotation.Status.DRAFT,
            defaults={"payload": clean, "assignment": assignment},
        )
        return draft


def _late_submission_allowed(assignment: Assignment) -> bool:
    """A lapsed lease may still be honoured if nobody has taken the slot since, the annotator
    included: one who holds the clip again submits through that lease."""
    clip = Clip.objects.get(pk=assignment.clip_id)
    return (
        assignment.status == Assignment.Status.EXPIRED
        and clip.stage == Clip.Stage.LAYER1
        and clip.layer1_count + clip.layer1_open < _slots(clip)
        and not Annotation.objects.filter(
            clip=clip, annotator=assignment.user, status=Annotation.Status.SUBMITTED
        ).exists()
        and not Assignment.objects.filter(
            clip=clip, user=assignment.user, layer=1, status=Assignment.Status.ACTIVE
        ).exists()
    )


def _slots(clip: Clip) -> int:
    """The labels the clip takes now: k, or under adaptive overlap its target (none yet:
    the project's minimum)."""
    if adaptive_overlap(clip.project) and clip.kind == Clip.Kind.STATIC:
        if clip.layer1_target is not None:
            return clip.layer1_target
        return int(clip.project.overlap["min_labels"])
    return clip.project.overlap_k


def _coverage_checked(clip: Clip, user: User, *, confirmed: bool) -> tuple[float | None, bool]:
    """A streaming clip's trace coverage, and whether the annotator's confirmation was needed
    (and given): below the project's minimum, a submit must be confirmed."""
    if clip.kind != Clip.Kind.STREAM:
        return None, False
    coverage = trace_coverage(
        Trace.objects.filter(clip=clip, annotator=user, is_current=True).first()
    )
    minimum = trace_min_coverage(clip.project.trace_config)
    if coverage >= minimum:
        return coverage, False
    if not confirmed:
        raise CoverageLow(
            _(
                "the trace covers %(coverage)s%% of the clip and the project asks for "
                "%(minimum)s%%: confirm to submit it anyway"
            )
            % {"coverage": math.floor(coverage * 100), "minimum": round(minimum * 100)}
        )
    return coverage, True


def annotation_submit(
    *, assignment_id: int, user: User, payload: Any, confirm_low_coverage: bool = False
) -> Annotation | ControlAnswer:
    """Submit the labels for a leased clip. Replaying the same submission returns the stored
    annotation; a different one for a submitted clip is a conflict (send a correction).
    A streaming clip traced below the project's minimum coverage needs
    ``confirm_low_coverage``, and the annotation records that it was given.
    On a control item the answer is scored and kept apart: it is no label."""
    with transaction.atomic():
        assignment = _locked_assignment(assignment_id, user)
        clip = assignment.clip
        clean = _validated(clip, payload, complete=True)
        if clip.stage == Clip.Stage.CONTROL:
            control = ControlItem.objects.get(clip=clip)
            return control_answer_record(assignment=assignment, control=control, clean=clean)
        if assignment.status == Assignment.Status.SUBMITTED:
            existing = Annotation.objects.get(assignment=assignment, revision=1)
            if existing.payload == clean:
                return existing
            raise Conflict(_("already submitted: send a correction to change it"))
        was_active = assignment.status == Assignment.Status.ACTIVE
        if not was_active and not _late_submission_allowed(assignment):
            raise Conflict(
                _("this assignment is %(status)s; the clip went to others")
                % {"status": state_word(assignment.status)}
            )
        coverage, confirmed = _coverage_checked(clip, user, confirmed=confirm_low_coverage)
        audit = {
            "clip": clip.pk,
            "after": clean,
            "trace_coverage": coverage,
            "confirmed": confirmed,
        }
        record = _record_in_one_statement if connection.vendor == "postgresql" else _record
        annotation = record(assignment, clean, coverage, confirmed, audit)
        if clip.kind == Clip.Kind.STREAM:
            Trace.objects.filter(clip=clip, annotator=user, is_current=True).update(
                annotation=annotation
            )
        if clip.stage == Clip.Stage.LAYER1 and _labels_complete(clip):
            clips_enqueue_routing([clip.pk])
        elif _routed_by_the_rule(clip):
            # Routed while this lease was open (k lowered meanwhile): its gold or dispute was
            # decided without this label, so decide again with it, as after a correction.
            clips_enqueue_routing([clip.pk])
        return annotation


def _labels_complete(clip: Clip) -> bool:
    """The clip has the labels it needs: k, or (a static clip under adaptive overlap) those
    its posterior asks for."""
    if adaptive_overlap(clip.project) and clip.kind == Clip.Kind.STATIC:
        return not overlap_wants_more(clip=clip)
    return clip.layer1_count >= clip.project.overlap_k


def _adaptive_and_complete(clip: Clip) -> bool:
    """Under adaptive overlap a corrected label moves the clip's posterior: it may now be
    sure enough (under fixed k a correction changes no count)."""
    return (
        adaptive_overlap(clip.project)
        and clip.kind == Clip.Kind.STATIC
        and (_labels_complete(clip))
    )


def _record(
    assignment: Assignment,
    clean: dict[str, Any],
    coverage: float | None,
    confirmed: bool,
    audit: dict[str, Any],
) -> Annotation:
    """The submission's writes: the draft goes, the labels, the lease and the clip's counts,
    the audit row. ``assignment.clip`` is left with its new count and stage."""
    clip, user = assignment.clip, assignment.user
    Annotation.objects.filter(clip=clip, annotator=user, status=Annotation.Status.DRAFT).delete()
    now = timezone.now()
    shown, accepted = draft_flags(assignment, clean)
    annotation = Annotation.objects.create(
        clip=clip,
        annotator=user,
        assignment=assignment,
        status=Annotation.Status.SUBMITTED,
        revision=1,
        is_current=True,
        payload=clean,
        submitted_at=now,
        trace_coverage=coverage,
        trace_coverage_confirmed=confirmed,
        draft_shown=shown,
        draft_accepted=accepted,
    )
    was_active = assignment.status == Assignment.Status.ACTIVE
    assignment.status, assignment.finished_at = Assignment.Status.SUBMITTED, now
    assignment.save(update_fields=["status", "finished_at"])
    Clip.objects.filter(pk=clip.pk).update(
        layer1_count=F("layer1_count") + 1,
        layer1_open=F("layer1_open") - (1 if was_active else 0),
    )
    clip.refresh_from_db(fields=["layer1_count", "stage"])
    audit_record(
        action="annotation.submitted", project=clip.project, actor=user, target=annotation,
        data=audit,
    )  # fmt: skip
    return annotation


# The same writes as ``_record``, in one statement. Drafts are never referenced by other rows
# (traces and corrections point at submitted labels), so deleting them needs no collector.
# The model-draft flags are ``draft_flags``'s, read from what the claim served (jsonb equality:
# the stored draft and the labels are both normalised by ``validate_payload``).
_RECORD = """
WITH dropped AS (
    DELETE FROM annotation_annotation
    WHERE clip_id = %(clip)s AND annotator_id = %(user)s AND status = 'draft'
),
added AS (
    INSERT INTO annotation_annotation (
        clip_id, annotator_id, assignment_id, status, revision, is_current, payload, source,
        source_ref, created_at, updated_at, submitted_at, trace_coverage,
        trace_coverage_confirmed, draft_shown, draft_accepted)
    SELECT %(clip)s, %(user)s, %(assignment)s, 'submitted', 1, true, %(payload)s, 'platform',
           '', %(now)s, %(now)s, %(now)s, %(coverage)s::float8, %(confirmed)s,
           shown.id IS NOT NULL, COALESCE(model.payload = %(payload)s, false)
    FROM (SELECT 1) AS one
    LEFT JOIN annotation_draftshown shown ON shown.assignment_id = %(assignment)s
    LEFT JOIN annotation_modeldraft model ON model.id = shown.draft_id
    RETURNING *
),
finished AS (
    UPDATE annotation_assignment SET status = 'submitted', finished_at = %(now)s
    WHERE id = %(assignment)s
),
counted AS (
    UPDATE clips_clip
    SET layer1_count = layer1_count + 1, layer1_open = layer1_open - %(was_open)s
    WHERE id = %(clip)s RETURNING layer1_count, stage
),
audited AS (
    INSERT INTO annotation_auditevent
        (project_id, actor_id, action, target_type, target_id, data, created_at)
    SELECT %(project)s, %(user)s, 'annotation.submitted', 'annotation.annotation', id::text,
           %(audit)s, %(now)s
    FROM added
)
SELECT added.*, counted.layer1_count AS clip_layer1_count, counted.stage AS clip_stage
FROM added, counted
"""


def _record_in_one_statement(
    assignment: Assignment,
    clean: dict[str, Any],
    coverage: float | None,
    confirmed: bool,
    audit: dict[str, Any],
) -> Annotation:
    clip = assignment.clip
    json = Annotation._meta.get_field("payload")
    params = {
        "clip": clip.pk,
        "user": assignment.user_id,
        "assignment": assignment.pk,
        "project": clip.project_id,
        "payload": json.get_db_prep_value(clean, connection),
        "audit": json.get_db_prep_value(audit, connection),
        "now": timezone.now(),
        "coverage": coverage,
        "confirmed": confirmed,
        "was_open": 1 if assignment.status == Assignment.Status.ACTIVE else 0,
    }
    (annotation,) = prepared_raw(Annotation, _RECORD, params)
    got = vars(annotation)  # the row, and the clip's new count and stage
    clip.layer1_count, clip.stage = got["clip_layer1_count"], got["clip_stage"]
    assignment.status, assignment.finished_at = Assignment.Status.SUBMITTED, params["now"]
    return annotation


def _routed_by_the_rule(clip: Clip) -> bool:
    """Gold or disputed, and not decided by an adjudicator (whose decision stands)."""
    if clip.stage not in (Clip.Stage.GOLD, Clip.Stage.DISPUTED):
        return False  # most submits: no query built
    adjudicated = GoldLabel.objects.filter(
        clip=clip, is_current=True, provenance=Provenance.ADJUDICATED
    )
    return not adjudicated.exists()


def annotation_correct(*, annotation_id: int, user: User, payload: Any) -> Annotation:
    """A new revision of the user's own current annotation; the old one is kept. A clip not
    yet decided by an adjudicator is routed again with the corrected labels."""
    with transaction.atomic():
        old = (
            Annotation.objects.select_for_update()
            .select_related("clip__project")
            .get(pk=annotation_id, annotator=user, status=Annotation.Status.SUBMITTED)
        )
        require_role(user, old.clip.project, Role.ANNOTATOR)  # active members only
        if old.withdrawn_at is not None:
            raise Conflict(_("an admin sent this label for re-annotation: it can no longer change"))
        if not old.is_current:
            raise Conflict(
                _("revision %(revision)s has been corrected already") % {"revision": old.revision}
            )
        clip = Clip.objects.select_for_update().get(pk=old.clip_id)
        clean = _validated(old.clip, payload, complete=True)
        if clean == old.payload:
            return old
        Annotation.objects.filter(pk=old.pk).update(is_current=False)
        new = Annotation.objects.create(
            clip=clip,
            annotator=user,
            assignment=old.assignment,
            status=Annotation.Status.SUBMITTED,
            revision=old.revision + 1,
            is_current=True,
            supersedes=old,
            payload=clean,
            submitted_at=timezone.now(),
            source=old.source,
            # A correction keeps whether a draft was shown; accepted: it now equals the draft.
            draft_shown=old.draft_shown,
            draft_accepted=old.draft_shown and draft_flags(old.assignment, clean)[1],
        )
        if _routed_by_the_rule(clip) or (
            clip.stage == Clip.Stage.LAYER1 and _adaptive_and_complete(clip)
        ):
            clips_enqueue_routing([clip.pk])
        audit_record(
            action="annotation.corrected",
            project=old.clip.project,
            actor=user,
            target=new,
            data={"clip": clip.pk, "revision": new.revision, "before": old.payload, "after": clean},
        )
        return new
