"""Control items: clips with a known answer, served among layer-1 claims to measure people."""

from django.conf import settings
from django.db import models
from django.db.models import Q


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
