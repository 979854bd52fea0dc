"""Continuous valence/arousal traces, received as idempotent chunks of packed float32."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from .checks import one_of
from .workflow import Annotation


class TraceStatus(models.TextChoices):
    RECORDING = "recording"
    FINALISED = "finalised"


class TraceQuerySet(models.QuerySet["Trace"]):
    def of_labels(self) -> "TraceQuerySet":
        """The traces that count (agreement, routing, review, releases): current, finalised,
        and their annotator's current label of the benchmark is on the clip. One recorded on a
        clip its annotator then gave back, or never labelled, is no rater's."""
        labelled = Annotation.objects.of_benchmark().filter(
            clip=OuterRef("clip"), annotator=OuterRef("annotator"), is_current=True
        )
        return self.filter(Exists(labelled), is_current=True, status=TraceStatus.FINALISED)


class Trace(models.Model):
    Status = TraceStatus

    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="traces")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="traces"
    )
    annotation = models.ForeignKey(
        "annotation.Annotation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="traces",
    )
    revision = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    config = models.JSONField(help_text="Rate and dimensions, copied from the project at start.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECORDING)
    acked_seq = models.IntegerField(
        default=-1, help_text="Highest sequence number with every earlier chunk received."
    )
    chunk_count = models.PositiveIntegerField(default=0)
    sample_count = models.PositiveIntegerField(default=0)
    data = models.BinaryField(
        null=True, blank=True, help_text="Finalised samples: float32, one column per dimension."
    )
    gap_report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    objects = TraceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clip", "annotator", "revision"], name="trace_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["clip", "annotator"], condition=Q(is_current=True), name="trace_one_current"
            ),
            models.CheckConstraint(condition=Q(acked_seq__gte=-1), name="trace_ack_valid"),
            one_of("status", TraceStatus, "trace_status_valid"),
        ]

    def __str__(self) -> str:
        return f"trace {self.pk} of {self.clip_id} by {self.annotator_id}"


class TraceChunk(models.Model):
    """About one second of samples; one row per chunk, never one per sample."""

    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    t0 = models.FloatField(help_text="Media time of the first sample, seconds.")
    n_samples = models.PositiveIntegerField()
    samples = models.BinaryField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the payload, for replays.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trace", "seq"], name="tracechunk_unique_seq"),
            models.CheckConstraint(condition=Q(t0__gte=0), name="tracechunk_t0_nonneg"),
            models.CheckConstraint(condition=Q(n_samples__gte=1), name="tracechunk_not_empty"),
        ]
        ordering = ["trace", "seq"]

    def __str__(self) -> str:
        return f"chunk {self.seq} of trace {self.trace_id}"
