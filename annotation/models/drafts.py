"""Model drafts: a model's predictions imported as a non-human rater with their provenance.

A draft is never an ``Annotation``: no first-layer label, so routing, agreement between people
and gold never see it. A project may show one run's drafts as a pre-fill (``Project.drafts``);
what a claim served is recorded (``DraftShown``), so the submit, not the browser, says whether
a draft was shown and taken unchanged.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class DraftsMode(models.TextChoices):
    HIDDEN = "hidden"
    PREFILL = "prefill"


class ModelRun(models.Model):
    """One import of one model's predictions for a project; the provenance is unique per
    project, so a second import of the same run is recognised (by ``digest``)."""

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="model_runs"
    )
    model_name = models.CharField(max_length=200)
    model_version = models.CharField(max_length=100, blank=True)
    config_id = models.CharField(
        max_length=200, blank=True, help_text="The prompt or configuration the model ran with."
    )
    run_date = models.DateField(null=True, blank=True, help_text="When the model ran.")
    source_name = models.CharField(max_length=500, help_text="The file(s) imported.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the drafts imported.")
    n_drafts = models.PositiveIntegerField(default=0)
    n_unmatched = models.PositiveIntegerField(
        default=0, help_text="Predictions for clips the project does not have (left out)."
    )
    notes = models.JSONField(
        default=list, help_text="What the files held that a draft cannot (labels outside the set)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "model_name", "model_version", "config_id"],
                name="model_run_unique_provenance",
            ),
            models.CheckConstraint(condition=~Q(model_name=""), name="model_run_named"),
        ]

    def __str__(self) -> str:
        version = f" {self.model_version}" if self.model_version else ""
        return f"{self.model_name}{version} on {self.project_id}"


class ModelDraft(models.Model):
    """A model's labels for one clip, validated against the project's schema like a person's
    (streaming: segments with their cue and evidence text)."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="drafts")
    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="model_drafts")
    payload = models.JSONField()
    meta = models.JSONField(
        default=dict, help_text="What the source said of the whole clip (EmoS: summary, trend)."
    )
    source_ref = models.CharField(max_length=500, help_text="File and line imported.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "clip"], name="model_draft_one_per_clip")
        ]

    def __str__(self) -> str:
        return f"draft of {self.clip_id} by run {self.run_id}"


class DraftShown(models.Model):
    """The draft a layer-1 claim served as a pre-fill (one per lease)."""

    assignment = models.OneToOneField(
        "annotation.Assignment", on_delete=models.CASCADE, related_name="draft_shown"
    )
    draft = models.ForeignKey(ModelDraft, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"draft {self.draft_id} shown on {self.assignment_id}"
