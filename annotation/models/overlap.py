"""The adaptive overlap's model: the project's Dawid–Skene fit that decides which clips need
another label (annotation/services/overlap.py)."""

from django.db import models


class OverlapFit(models.Model):
    """The latest fit of an adaptive project; refitted every few hundred labels, read by each
    submit to update its clip's posterior between fits."""

    project = models.OneToOneField(
        "annotation.Project", on_delete=models.CASCADE, related_name="overlap_fit"
    )
    model = models.JSONField(help_text="classes, priors and per-annotator confusion matrices.")
    n_labels = models.PositiveIntegerField(help_text="Labels the model was fitted on.")
    fitted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"overlap fit of {self.project_id} on {self.n_labels} labels"
