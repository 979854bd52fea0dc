"""Labels sent for re-annotation (issue 19, item 3): an admin withdraws an annotator's
first-layer labels given while their control accuracy lay below the project's floor (or since
a time they choose). Nothing is deleted: each label is kept, marked withdrawn and no longer
current, so agreement, routing and releases stop counting it; its clip needs one more label
from someone else (the annotator is never served it again) and a clip already routed with it
goes back to layer 1, its gold retired. Adjudicated gold stands, as everywhere."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict
from annotation.models import (
    Annotation,
    ControlAnswer,
    GoldLabel,
    Project,
    Provenance,
    Trace,
)
from annotation.quality.live import below_floor_from
from annotation.services.assignment import adjudication_leases_end
from annotation.services.audit import audit_record
from annotation.services.gold import gold_retire
from annotation.services.locks import project_lock
from clips.models import Clip


@dataclass(frozen=True, slots=True)
class Withdrawal:
    since: datetime | None  # None: from their first label
    labels: int
    reopened: int  # clips routed with them, back in layer 1


def below_floor_since(*, project: Project, user: User) -> tuple[bool, datetime | None]:
    """(found, since): whether the user's latest control answers lie below the project's
    floor (``below_floor_from``), and the time of the last answer before them (None: all
    their answers are below it, so every label)."""
    if not project.pause_floor:
        return False, None
    answers = list(
        ControlAnswer.objects.filter(control__clip__project=project, user=user)
        .order_by("created_at", "pk")
        .values_list("created_at", "correct")
    )
    start = below_floor_from(
        [right for _, right in answers], project.pause_floor, project.pause_min_controls
    )
    if start is None:
        return False, None
    return True, answers[start - 1][0] if start else None


@transaction.atomic
def labels_withdraw(
    *, project: Project, user: User, actor: User, since: datetime | None = None
) -> Withdrawal:
    """Withdraw ``user``'s current first-layer labels in ``project`` given after ``since``, or,
    without it, those given while their controls lay below the floor (a Conflict if they
    never did). Audited. Withdrawals and refits of a project take turns (``project_lock``); the
    clips are locked in id order and the labels read again under those locks, so a replay,
    or a second request at once, finds nothing left to withdraw and changes nothing."""
    project_lock(project)
    if since is None:
        found, since = below_floor_since(project=project, user=user)
        if not found:
            raise Conflict(
                _("this annotator's control answers do not lie below the floor: give a time")
            )
    labels = Annotation.objects.of_benchmark().filter(
        clip__project=project, annotator=user, is_current=True
    )
    if since is not None:
        labels = labels.filter(submitted_at__gt=since)
    seen = sorted(set(labels.values_list("clip_id", flat=True)))
    list(Clip.objects.select_for_update().filter(pk__in=seen).order_by("pk").values("pk"))
    # One current label per annotator and clip (annotation_one_current): one off each count.
    withdrawn = dict(labels.filter(clip_id__in=seen).values_list("pk", "clip_id"))
    if not withdrawn:
        return Withdrawal(since=since, labels=0, reopened=0)
    ids, clip_ids = sorted(withdrawn), sorted(set(withdrawn.values()))
    Annotation.objects.filter(pk__in=ids).update(
        is_current=False, withdrawn_at=timezone.now(), withdrawn_by=actor
    )
    # Their traces go with them: trace agreement and routing read the current ones.
    Trace.objects.filter(annotation_id__in=ids, is_current=True).update(is_current=False)
    adjudicated = GoldLabel.objects.filter(
        clip=OuterRef("pk"), is_current=True, provenance=Provenance.ADJUDICATED
    )
    clips = Clip.objects.filter(pk__in=clip_ids)
    routed = list(
        clips.filter(stage__in=[Clip.Stage.AGGREGATING, Clip.Stage.DISPUTED, Clip.Stage.GOLD])
        .exclude(Exists(adjudicated))
        .values_list("pk", flat=True)
    )
    clips.update(layer1_count=F("layer1_count") - 1)
    if routed:
        adjudication_leases_end(clip_ids=routed, reason="labels withdrawn")
        gold_retire(clip_ids=routed, reason="labels withdrawn")
        # One more label: under adaptive overlap the clip's target says so explicitly.
        Clip.objects.filter(pk__in=routed).update(
            stage=Clip.Stage.LAYER1, layer1_target=F("layer1_count") + 1
        )
    audit_record(
        action="labels.withdrawn", project=project, actor=actor, target=user,
        data={"user": user.pk, "since": since.isoformat() if since else None,
              "annotations": ids, "reopened": routed},
    )  # fmt: skip
    return Withdrawal(since=since, labels=len(ids), reopened=len(routed))
