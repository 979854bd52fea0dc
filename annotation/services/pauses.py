"""The pause rule applied: after each control answer, an annotator whose accuracy interval
lies wholly below the project's floor is paused (claims refused with the numbers); an admin
lifts it, which gives a fresh start: the rule then counts only later answers."""

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict
from annotation.models import AnnotatorPause, Project
from annotation.selectors.quality import live_quality, pause_rule
from annotation.services.audit import audit_record


def pause_check(*, project: Project, user: User) -> AnnotatorPause | None:
    """Pause ``user`` if the rule says so (called in the control answer's transaction)."""
    rule = pause_rule(project)
    if rule is None:
        return None
    pauses = AnnotatorPause.objects.filter(project=project, user=user)
    if pauses.filter(lifted_at__isnull=True).exists():
        return None
    since = pauses.aggregate(last=Max("lifted_at"))["last"]
    quality = live_quality(project, user=user, since=since).get(user.pk)
    found = rule.check(quality) if quality is not None else None
    if found is None:
        return None
    pause = AnnotatorPause.objects.create(
        project=project, user=user, correct=found.correct, controls=found.controls,
        low=found.interval.low, high=found.interval.high, level=found.interval.level,
        floor=found.floor,
    )  # fmt: skip
    audit_record(
        action="annotator.paused", project=project, target=pause,
        data={"user": user.pk, "why": found.text()},
    )  # fmt: skip
    return pause


@transaction.atomic
def pause_lift(*, project: Project, user: User, actor: User) -> AnnotatorPause:
    """Lift the user's pause, once: the open pause is read under its row's lock, so a second
    request at once finds it lifted (a Conflict, as after it)."""
    lifted = (
        AnnotatorPause.objects.select_for_update()
        .filter(project=project, user=user, lifted_at__isnull=True)
        .first()
    )
    if lifted is None:
        raise Conflict(_("this annotator is not paused"))
    lifted.lifted_at, lifted.lifted_by = timezone.now(), actor
    lifted.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(
        action="annotator.pause_lifted", project=project, actor=actor, target=lifted,
        data={"user": user.pk},
    )  # fmt: skip
    return lifted
