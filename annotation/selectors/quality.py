"""Reads for quality control: qualification state, live annotator quality, pauses."""

from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from annotation.agreement import dawid_skene
from annotation.models import (
    AgreementReport,
    Annotation,
    AnnotatorPause,
    ControlAnswer,
    OverlapFit,
    Project,
    Qualification,
)
from annotation.quality.live import AnnotatorQuality, PauseRule
from annotation.routing import primary_layer


def qualification_latest(user: User, project: Project) -> Qualification | None:
    return Qualification.objects.filter(project=project, user=user).order_by("-round").first()


def qualification_block(user: User, project: Project) -> str | None:
    """Why the qualification round gives the user no clip now, in their language; None when
    it does not stand in their way."""
    if not project.qualification_controls:
        return None
    latest = qualification_latest(user, project)
    if latest is None or latest.status == Qualification.Status.PASSED:
        return None
    if latest.status == Qualification.Status.FAILED:
        return _(
            "you did not pass this project's qualification round (%(correct)s of %(controls)s "
            "control items right, %(needed)s needed): an admin can open a new round for you"
        ) % {"correct": latest.correct, "controls": latest.controls, "needed": latest.needed}
    return _(
        "your qualification round needs %(left)s more control items and none is left for you: "
        "ask an admin"
    ) % {"left": latest.controls - latest.answered}


def _classes(project: Project) -> tuple[str, dict[Any, int]]:
    """The primary layer and its labels' indices (``Unsure`` last where the layer allows it)."""
    layer = primary_layer(project.label_schema)
    return layer.name, {value: i for i, value in enumerate(layer.classes)}


def live_quality(
    project: Project, *, user: User | None = None, since: datetime | None = None
) -> dict[int, AnnotatorQuality]:
    """Per annotator, from their control answers (``since`` a time, if given): accuracy on
    controls, label entropy and speed; and the agreement of their current labels with each
    clip's aggregate (their own label is part of it). A control is scored on the primary
    layer (``controls.answer_is_correct``), so its label indices say right or wrong."""
    name, index = _classes(project)
    if len(index) < 2:
        return {}
    answers = ControlAnswer.objects.filter(control__clip__project=project)
    labels = Annotation.objects.of_benchmark().filter(
        clip__project=project, is_current=True, clip__agreement__isnull=False
    )
    if user is not None:
        answers, labels = answers.filter(user=user), labels.filter(annotator=user)
    if since is not None:
        answers, labels = answers.filter(created_at__gt=since), labels.none()
    quality: dict[int, AnnotatorQuality] = {}
    for uid, payload, known, seconds in answers.order_by("created_at", "pk").values_list(
        "user_id", "payload", "control__answer", "seconds"
    ):
        label, right = index.get(payload.get(name)), index.get(known.get(name))
        if label is None or right is None:
            continue  # a multi-label primary layer: no single class to count
        mine = quality.get(uid) or AnnotatorQuality.empty(len(index))
        quality[uid] = mine.with_answer(label, seconds or 0.0, control_answer=right)
    if user is None and since is None:
        _with_model(quality, _project_model(project, name), list(index))
    for uid, payload, aggregate in labels.values_list(
        "annotator_id", "payload", "clip__agreement__aggregate"
    ):
        if name in payload and (aggregate or {}).get(name) is not None:
            mine = quality.get(uid) or AnnotatorQuality.empty(len(index))
            quality[uid] = mine.with_comparison(payload[name] == aggregate[name])
    return quality


def _project_model(project: Project, layer: str) -> dict[str, Any] | None:
    """The project's current Dawid–Skene model of the primary layer: adaptive overlap's
    fit (refitted as labels come), else the latest agreement report's."""
    fit = OverlapFit.objects.filter(project=project).values_list("model", flat=True).first()
    if fit is not None:
        return cast(dict[str, Any], fit)
    report = (
        AgreementReport.objects.filter(project=project, status=AgreementReport.Status.DONE)
        .order_by("-finished_at")
        .values_list("report", flat=True)
        .first()
    )
    return cast(dict[str, Any] | None, (report or {}).get("models", {}).get(layer))


def _with_model(
    quality: dict[int, AnnotatorQuality], model: dict[str, Any] | None, classes: list[Any]
) -> None:
    """Each modelled annotator's confusion matrix and expected accuracy, in place."""
    if model is None or model["classes"] != classes:
        return
    raters = [int(uid) for uid in model["confusion"]]
    fitted = dawid_skene.with_parameters(model["priors"], list(model["confusion"].values()))
    for i, uid in enumerate(raters):
        mine = quality.get(uid) or AnnotatorQuality.empty(len(classes))
        quality[uid] = mine.with_model(fitted, i)


def pause_rule(project: Project) -> PauseRule | None:
    if not project.pause_floor:
        return None
    return PauseRule(floor=project.pause_floor, min_controls=project.pause_min_controls)


def active_pause(user: User, project: Project) -> AnnotatorPause | None:
    return AnnotatorPause.objects.filter(project=project, user=user, lifted_at__isnull=True).first()


def pause_text(pause: AnnotatorPause) -> str:
    """Why the annotator is paused, in the reader's language: the interval and the floor."""
    return _(
        "you are paused in this project: your accuracy on control items is %(accuracy)s "
        "(%(correct)s of %(controls)s; %(level)s interval %(low)s–%(high)s), below the "
        "floor of %(floor)s. An admin can lift the pause."
    ) % {
        "accuracy": f"{pause.correct / pause.controls:.0%}",
        "correct": pause.correct,
        "controls": pause.controls,
        "level": f"{pause.level:.0%}",
        "low": f"{pause.low:.0%}",
        "high": f"{pause.high:.0%}",
        "floor": f"{pause.floor:.0%}",
    }
