"""Qualification rounds: a project may ask each annotator to answer N control items, with a
pass mark, before they get real clips. The latest round decides; an admin opens a new one."""

import math

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict
from annotation.models import ControlAnswer, Project, Qualification
from annotation.services.audit import audit_record


def _needed(project: Project) -> int:
    # The float product can land a hair above a whole number (0.7 * 10 = 7.000000000000001).
    return math.ceil(round(project.qualification_pass * project.qualification_controls, 9))


def _open(project: Project, user: User, round_no: int, by: User | None) -> Qualification:
    return Qualification.objects.create(
        project=project, user=user, round=round_no, controls=project.qualification_controls,
        needed=_needed(project), opened_by=by,
    )  # fmt: skip


def qualification_round(*, user: User, project: Project) -> Qualification:
    """The user's latest round, the first one opened when they have none (the project asks
    for one: ``qualification_controls`` > 0). Two first claims at once open one round."""
    latest = Qualification.objects.filter(project=project, user=user).order_by("-round").first()
    if latest is not None:
        return latest
    try:
        with transaction.atomic():
            return _open(project, user, 1, None)
    except IntegrityError:  # a concurrent first claim opened it
        return Qualification.objects.get(project=project, user=user, round=1)


def qualification_count(*, answer: ControlAnswer, project: Project) -> Qualification | None:
    """Count a control answer in the user's running round (in the submit's transaction),
    deciding the round at its last control."""
    running = (
        Qualification.objects.select_for_update()
        .filter(project=project, user=answer.user_id, status=Qualification.Status.RUNNING)
        .first()
    )
    if running is None:
        return None
    ControlAnswer.objects.filter(pk=answer.pk).update(qualification=running)
    running.answered += 1
    running.correct += answer.correct
    if running.answered >= running.controls:
        passed = running.correct >= running.needed
        running.status = Qualification.Status.PASSED if passed else Qualification.Status.FAILED
        running.finished_at = timezone.now()
        audit_record(
            action=f"qualification.{running.status}", project=project, actor=answer.user,
            target=running, data={"correct": running.correct, "controls": running.controls},
        )  # fmt: skip
    running.save()
    return running


@transaction.atomic
def qualification_reopen(*, project: Project, user: User, actor: User) -> Qualification:
    """A new round for ``user`` (after a failed one, or to check them again)."""
    if not project.qualification_controls:
        raise Conflict(_("this project asks for no qualification round"))
    latest = (
        Qualification.objects.select_for_update()
        .filter(project=project, user=user)
        .order_by("-round")
        .first()
    )
    if latest is not None and latest.status == Qualification.Status.RUNNING:
        raise Conflict(_("this annotator's qualification round is still running"))
    new = _open(project, user, (latest.round if latest else 0) + 1, actor)
    audit_record(
        action="qualification.reopened", project=project, actor=actor, target=new,
        data={"user": user.pk, "round": new.round},
    )  # fmt: skip
    return new
