"""Control items: clips with a known answer, served among layer-1 claims to measure people."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .checks import one_of


class ControlItem(models.Model):
    """A clip an admin gave a known answer. Its clip's stage is ``control``: out of the layer-1
    queue, routing, agreement and releases; the claim serves it at the project's rate."""

    clip = models.OneToOneField("clips.Clip", on_delete=models.CASCADE, related_name="control")
    answer = models.JSONField(help_text="A complete payload of the project's label schema.")
    from_gold = models.ForeignKey(
        "annotation.GoldLabel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The gold version promoted to this answer, if it was one.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"control {self.clip_id}"


class ControlAnswer(models.Model):
    """An annotator's answer on a control, scored against the known answer. Never an
    ``Annotation``: no first-layer label, so nothing downstream can count it."""

    control = models.ForeignKey(ControlItem, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="control_answers"
    )
    assignment = models.OneToOneField(
        "annotation.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    qualification = models.ForeignKey(
        "Qualification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
        help_text="The qualification round this answer counted in, if any.",
    )
    payload = models.JSONField()
    correct = models.BooleanField()
    seconds = models.FloatField(null=True, blank=True, help_text="From the claim to the answer.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The claim never serves a control twice to one annotator; this backs it.
            models.UniqueConstraint(fields=["control", "user"], name="control_answer_once"),
            models.CheckConstraint(
                condition=Q(seconds__isnull=True) | Q(seconds__gte=0),
                name="control_answer_seconds_nonneg",
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="control_answer_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on control {self.control_id}: {self.correct}"


class QualificationStatus(models.TextChoices):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"


class Qualification(models.Model):
    """One qualification round of an annotator in a project: the first ``controls`` control
    items they answer, then passed or failed. The latest round decides what they may claim;
    an admin's new round adds a row, the earlier ones are kept."""

    Status = QualificationStatus

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="qualifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qualifications"
    )
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    controls = models.PositiveSmallIntegerField(help_text="Controls to answer (the setting then).")
    needed = models.PositiveSmallIntegerField(help_text="Right answers needed to pass.")
    answered = models.PositiveSmallIntegerField(default=0)
    correct = models.PositiveSmallIntegerField(default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "round"], name="qualification_unique_round"
            ),
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(status=QualificationStatus.RUNNING),
                name="qualification_one_running",
            ),
            models.CheckConstraint(
                condition=Q(
                    correct__lte=F("answered"),
                    answered__lte=F("controls"),
                    controls__gte=1,
                    needed__lte=F("controls"),
                ),
                name="qualification_counts_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=QualificationStatus.RUNNING, finished_at__isnull=True)
                | (~Q(status=QualificationStatus.RUNNING) & Q(finished_at__isnull=False)),
                name="qualification_finished_when_decided",
            ),
            one_of("status", QualificationStatus, "qualification_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} round {self.round} in {self.project_id}: {self.status}"

    @property
    def score(self) -> float | None:
        return self.correct / self.answered if self.answered else None


class AnnotatorPause(models.Model):
    """An annotator paused in a project by the pause rule: their accuracy on controls, its
    interval and the floor it fell below, as shown to them. Lifted by an admin, kept."""

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="pauses"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    correct = models.PositiveIntegerField()
    controls = models.PositiveIntegerField()
    low = models.FloatField()
    high = models.FloatField()
    level = models.FloatField()
    floor = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(lifted_at__isnull=True),
                name="pause_one_active",
            ),
            models.CheckConstraint(
                condition=Q(correct__lte=F("controls"), low__lte=F("high"), high__lt=F("floor")),
                name="pause_below_floor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} paused in {self.project_id}"
