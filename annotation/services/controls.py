"""Control items: marking them, and scoring the answers annotators give on them.

A control's clip leaves the workflow (stage ``control``): the layer-1 queue, routing,
agreement and releases never see it, and an answer on it is a ``ControlAnswer``, never an
``Annotation``. The claim serves controls (``assignment.assignment_next``)."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict, Invalid
from annotation.models import (
    Annotation,
    Assignment,
    ClipAgreement,
    ControlAnswer,
    ControlItem,
    GoldLabel,
)
from annotation.payloads import validate_payload
from annotation.routing import primary_layer
from annotation.services.audit import audit_record
from annotation.services.pauses import pause_check
from annotation.services.qualification import qualification_count
from clips.models import Clip


def answer_is_correct(schema: dict[str, Any], answer: dict[str, Any], payload: Any) -> bool:
    """Right when the primary layer (the one routing decides on) has the known label: the
    accuracy the pause rule and the live figures judge (``annotation.quality.live``)."""
    name = primary_layer(schema).name
    return bool(payload.get(name) == answer.get(name))


@transaction.atomic
def control_mark(
    *, clip: Clip, answer: Any, actor: User | None, from_gold: GoldLabel | None = None
) -> ControlItem:
    """Make ``clip`` a control whose known answer is ``answer`` (a complete payload of the
    project's schema). Refused while someone holds the clip: their work would change meaning."""
    clip = Clip.objects.select_for_update().select_related("project").get(pk=clip.pk)
    if clip.kind != Clip.Kind.STATIC:
        raise Invalid(_("a control item is a static clip: a stream has no single answer"))
    if clip.stage == Clip.Stage.CONTROL:
        raise Conflict(_("this clip is a control item already"))
    if Assignment.objects.filter(clip=clip, status=Assignment.Status.ACTIVE).exists():
        raise Conflict(_("someone holds this clip: mark it when they are done"))
    clean = validate_payload(
        clip.project.label_schema, answer, kind=clip.kind, duration_s=clip.duration_s,
        complete=True,
    )  # fmt: skip
    control = ControlItem.objects.create(
        clip=clip, answer=clean, from_gold=from_gold, created_by=actor
    )
    Clip.objects.filter(pk=clip.pk).update(stage=Clip.Stage.CONTROL, updated_at=timezone.now())
    ClipAgreement.objects.filter(clip=clip).delete()  # derived from labels that no longer count
    audit_record(
        action="control.marked", project=clip.project, actor=actor, target=control,
        data={"clip": clip.pk, "answer": clean, "gold": from_gold and from_gold.pk},
    )  # fmt: skip
    return control


@transaction.atomic
def control_from_gold(*, clip: Clip, actor: User | None) -> ControlItem:
    """Promote a gold clip to a control whose answer is its current gold, read with the clip
    locked (a decision committed meanwhile is the answer, not the gold it replaced)."""
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    gold = GoldLabel.objects.filter(clip=clip, is_current=True, clip__stage=Clip.Stage.GOLD)
    current = gold.first()
    if current is None:
        raise Conflict(_("this clip has no gold to promote"))
    return control_mark(clip=clip, answer=current.payload, actor=actor, from_gold=current)


def control_answer_record(
    *, assignment: Assignment, control: ControlItem, clean: dict[str, Any]
) -> ControlAnswer:
    """Score and keep the answer on a control (the assignment is locked by the caller). A
    replay of the same answer returns it; another one is refused, as for a label."""
    if assignment.status == Assignment.Status.SUBMITTED:
        done = ControlAnswer.objects.get(assignment=assignment)
        if done.payload == clean:
            return done
        raise Conflict(_("already submitted: send a correction to change it"))
    if assignment.status != Assignment.Status.ACTIVE:
        raise Conflict(_("this assignment is no longer active"))
    now = timezone.now()
    answer = ControlAnswer.objects.create(
        control=control,
        user=assignment.user,
        assignment=assignment,
        payload=clean,
        correct=answer_is_correct(assignment.clip.project.label_schema, control.answer, clean),
        seconds=(now - assignment.created_at).total_seconds(),
    )
    Assignment.objects.filter(pk=assignment.pk).update(
        status=Assignment.Status.SUBMITTED, finished_at=now
    )
    qualification_count(answer=answer, project=assignment.clip.project)
    pause_check(project=assignment.clip.project, user=assignment.user)
    Clip.objects.filter(pk=control.clip_id).update(layer1_open=F("layer1_open") - 1)
    Annotation.objects.filter(
        clip_id=control.clip_id, annotator=assignment.user, status=Annotation.Status.DRAFT
    ).delete()
    audit_record(
        action="control.answered", project=assignment.clip.project, actor=assignment.user,
        target=answer, data={"control": control.pk, "correct": answer.correct},
    )  # fmt: skip
    return answer
