"""Layer-2 writes: an adjudicator's decision becomes gold; admins send clips (back) to it."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict, Invalid, state_word
from annotation.models import Adjudication, Assignment, GoldLabel, Provenance, Role
from annotation.payloads import validate_payload
from annotation.selectors import blind_clips, require_role
from annotation.services.assignment import clip_stage_reviewable
from annotation.services.audit import audit_record
from annotation.services.gold import gold_record
from clips.models import Clip


def adjudication_decide(
    *, assignment_id: int, user: User, payload: Any, rationale: str
) -> GoldLabel:
    """Record the decision and its rationale as gold with provenance "adjudicated"."""
    rationale = (rationale or "").strip()
    if not rationale:
        raise Invalid(_("say why: the rationale is kept with the gold label"), field="rationale")
    with transaction.atomic():
        # The clip's lock before the lease's, as a correction, a refit or a withdrawal take
        # them when they end a lease on it: one order, no deadlock.
        leases = Assignment.objects.filter(pk=assignment_id, user=user, layer=2)
        clip = Clip.objects.select_for_update().get(pk=leases.values_list("clip_id").get()[0])
        assignment = leases.select_for_update().select_related("clip__project").get()
        project = assignment.clip.project
        clean = validate_payload(
            project.label_schema,
            payload,
            kind=clip.kind,
            duration_s=clip.duration_s,
            complete=True,
        )
        if assignment.status == Assignment.Status.SUBMITTED:
            gold = GoldLabel.objects.select_related("adjudication").get(
                adjudication__assignment=assignment
            )
            if (
                gold.payload == clean
                and gold.adjudication
                and gold.adjudication.rationale == rationale
            ):
                return gold  # a replayed request
            raise Conflict(_("this clip has been decided already"))
        if assignment.status != Assignment.Status.ACTIVE:
            raise Conflict(
                _("this assignment is %(status)s, not active")
                % {"status": state_word(assignment.status)}
            )
        if clip.stage != Clip.Stage.DISPUTED:
            raise Conflict(
                _("the clip is no longer disputed (now %(stage)s)")
                % {"stage": state_word(clip.stage)}
            )
        # Checked again now, not only when the lease was taken: roles and labels change.
        require_role(user, project, Role.ADJUDICATOR)
        if Clip.objects.filter(pk=clip.pk).filter(blind_clips(user, set())).exists():
            raise Conflict(
                _("you labelled or held this clip in layer 1: another adjudicator decides it")
            )
        decision = Adjudication.objects.create(
            clip=clip, adjudicator=user, assignment=assignment, payload=clean, rationale=rationale
        )
        gold = gold_record(
            clip=clip,
            payload=clean,
            provenance=Provenance.ADJUDICATED,
            adjudication=decision,
            decided_by=user,
        )
        assignment.status, assignment.finished_at = Assignment.Status.SUBMITTED, timezone.now()
        assignment.save(update_fields=["status", "finished_at"])
        Clip.objects.filter(pk=clip.pk).update(stage=Clip.Stage.GOLD)
        audit_record(
            action="adjudication.decided",
            project=project,
            actor=user,
            target=decision,
            data={"clip": clip.pk, "after": clean, "rationale": rationale},
        )
        return gold


def clip_send_to_adjudication(*, clip_id: int, actor: User, reason: str) -> Clip:
    """Admins: put any clip in the disputed queue — a first look, or a gold clip reopened.
    Gold stays versioned: the next decision adds a version, nothing is overwritten."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update().select_related("project").get(pk=clip_id)
        before = clip.stage
        if before == Clip.Stage.DISPUTED:
            return clip
        clip_stage_reviewable(clip_id=clip.pk, stage=Clip.Stage.DISPUTED)
        clip.stage = Clip.Stage.DISPUTED
        audit_record(
            action="clip.sent_to_adjudication",
            project=clip.project,
            actor=actor,
            target=clip,
            data={"before": before, "after": clip.stage, "reason": reason},
        )
        return clip


class BulkOutcome(TextChoices):
    SENT = "sent", _("sent to adjudication")
    REOPENED = "reopened", _("reopened (gold kept as a version)")
    ALREADY = "already", _("already disputed: left as it was")


def clips_send_to_adjudication(
    *, clip_ids: Iterable[int], actor: User, reason: str
) -> dict[int, BulkOutcome]:
    """Send each clip to adjudication, one transaction per clip (a clip done stays done
    whatever happens to the next); each clip's outcome, by id. A clip already disputed is
    an outcome, not an error."""
    outcomes: dict[int, BulkOutcome] = {}
    for clip_id in sorted(set(clip_ids)):
        with transaction.atomic():  # the stage read under the lock the service takes
            before = (
                Clip.objects.select_for_update().values_list("stage", flat=True).get(pk=clip_id)
            )
            clip_send_to_adjudication(clip_id=clip_id, actor=actor, reason=reason)
        outcomes[clip_id] = (
            BulkOutcome.ALREADY
            if before == Clip.Stage.DISPUTED
            else BulkOutcome.REOPENED
            if before == Clip.Stage.GOLD
            else BulkOutcome.SENT
        )
    return outcomes
