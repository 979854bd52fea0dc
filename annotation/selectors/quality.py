"""Reads for quality control: an annotator's qualification state, and why they get nothing."""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from annotation.models import Project, Qualification


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
