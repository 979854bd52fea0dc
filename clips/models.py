"""Clips, their reference transcript segments, and import jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from annotation.models.checks import one_of


def clip_media_path(clip: "Clip", filename: str) -> str:
    return f"clips/{clip.project_id}/{clip.pk}/{filename}"


class ClipKind(models.TextChoices):
    STATIC = "static", _("Static clip")
    STREAM = "stream", _("Streaming monologue")


class ClipLanguage(models.TextChoices):
    ZH = "zh", "中文"
    EN = "en", "English"


class MediaStatus(models.TextChoices):
    MISSING = "missing", _("No media yet")  # a record keyed by source ids; labels may exist
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    DUPLICATE = "duplicate", _("Duplicate")


class Stage(models.TextChoices):
    LAYER1 = "layer1", _("Layer 1")
    AGGREGATING = "aggregating", _("Aggregating")
    DISPUTED = "disputed", _("Disputed (layer 2)")
    GOLD = "gold", _("Gold")
    CONTROL = "control", _("Control item")  # annotation.ControlItem: never a benchmark clip


class Clip(models.Model):
    Kind = ClipKind
    Language = ClipLanguage
    MediaStatus = MediaStatus
    Stage = Stage

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="clips"
    )
    external_id = models.CharField(max_length=255, help_text="The source's id for this clip.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.STATIC)
    language = models.CharField(max_length=4, choices=Language.choices, default=Language.EN)
    title = models.CharField(max_length=500, blank=True)
    transcript = models.TextField(blank=True)
    speaker = models.CharField(max_length=200, blank=True)
    source_video = models.CharField(
        max_length=500, blank=True, help_text="Source video; splits never share one."
    )
    batch = models.CharField(max_length=100, blank=True)
    meta = models.JSONField(default=dict, blank=True)

    source_uri = models.TextField(blank=True, help_text="Where the original media was read from.")
    # NULL, not "", until hashed: the uniqueness constraint below must ignore unhashed clips.
    content_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    media_status = models.CharField(
        max_length=12, choices=MediaStatus.choices, default=MediaStatus.MISSING
    )
    media_error = models.TextField(blank=True)
    media_file = models.FileField(upload_to=clip_media_path, max_length=500, blank=True)
    poster = models.FileField(upload_to=clip_media_path, max_length=500, blank=True)
    waveform = models.FileField(upload_to=clip_media_path, max_length=500, blank=True)
    transcoded = models.BooleanField(
        null=True, blank=True, help_text="True when re-encoded, False when stream-copied."
    )
    probe = models.JSONField(default=dict, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    has_audio = models.BooleanField(null=True, blank=True)
    ingested_at = models.DateTimeField(null=True, blank=True)

    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.LAYER1)
    # Set once, the first time the clip's labels became readable in layer 2 (routed, or sent
    # to adjudication by an admin), and never cleared: a clip that goes back to layer 1 is
    # never offered to anyone who held a review role, whatever their roles are now.
    review_opened_at = models.DateTimeField(null=True, blank=True)
    import_job = models.ForeignKey(
        "clips.ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clips",
        db_index=False,  # the (import_job, media_status) index below serves its lookups
        help_text="The import whose ingestion this clip is part of (its progress counts it).",
    )
    # Both counters are kept by the workflow services in the same transaction as the rows they
    # count, so the assignment query can filter and order on the clip row alone (and
    # PostgreSQL re-checks them on a row another claimer just changed).
    layer1_count = models.PositiveSmallIntegerField(
        default=0, help_text="Submitted layer-1 annotations (current revisions)."
    )
    layer1_open = models.PositiveSmallIntegerField(
        default=0, help_text="Live (active, unexpired) layer-1 leases."
    )
    # Adaptive overlap (annotation/services/overlap.py), written by the submit path and the
    # refit: the labels the clip should have now (None: none given yet, the project's
    # minimum), and the expected information one more label buys (served highest first).
    layer1_target = models.PositiveSmallIntegerField(null=True, blank=True)
    layer1_priority = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not stored: set when the statement that read the clip also found it has no segments (a
    # claim's), so that its answer does not ask again.
    segments_none = False

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"], name="clip_unique_source_id"
            ),
            models.UniqueConstraint(
                fields=["project", "content_sha256"],
                condition=Q(content_sha256__isnull=False) & ~Q(media_status=MediaStatus.DUPLICATE),
                name="clip_unique_content",
            ),
            models.CheckConstraint(
                condition=Q(duration_s__isnull=True) | Q(duration_s__gte=0),
                name="clip_duration_nonneg",
            ),
            models.CheckConstraint(
                condition=~Q(media_status=MediaStatus.READY) | Q(duration_s__isnull=False),
                name="clip_ready_has_duration",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=[Stage.DISPUTED, Stage.GOLD])
                | Q(review_opened_at__isnull=False),
                name="clip_reviewable_is_marked",
            ),
            one_of("kind", ClipKind, "clip_kind_valid"),
            one_of("language", ClipLanguage, "clip_language_valid"),
            one_of("media_status", MediaStatus, "clip_media_status_valid"),
            one_of("stage", Stage, "clip_stage_valid"),
        ]
        indexes = [
            # The assignment engine's "least-annotated ready clip first": the index order is the
            # query's ORDER BY, so a claim reads a few index entries, never sorts the project.
            models.Index(
                fields=["project", "stage", "media_status", "layer1_count", "layer1_open", "id"],
                name="clip_queue_idx",
            ),
            # The adaptive queue's order: most informative clip first.
            models.Index(
                fields=["project", "stage", "media_status", "-layer1_priority", "id"],
                name="clip_adaptive_queue_idx",
            ),
            # An import's progress, and whether any of its clips still waits for ingestion.
            models.Index(fields=["import_job", "media_status"], name="clip_import_progress_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.external_id}"


class Segment(models.Model):
    """A reference utterance segment of a streaming clip (from a transcript/subtitle file)."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start_s = models.FloatField()
    end_s = models.FloatField()
    text = models.TextField(blank=True)
    speaker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["clip", "index"]
        constraints = [
            models.UniqueConstraint(fields=["clip", "index"], name="segment_unique_index"),
            models.CheckConstraint(condition=Q(start_s__gte=0), name="segment_start_nonneg"),
            models.CheckConstraint(
                condition=Q(end_s__gt=models.F("start_s")), name="segment_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clip_id}#{self.index} {self.start_s:.2f}-{self.end_s:.2f}"


class ImportKind(models.TextChoices):
    CLIPS = "clips"
    LABELS = "labels"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview"  # label files from the browser, shown before an admin confirms
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(models.Model):
    """One run of an importer, with its progress and what it skipped or failed."""

    Kind = ImportKind
    Status = ImportStatus

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            one_of("kind", ImportKind, "importjob_kind_valid"),
            one_of("status", ImportStatus, "importjob_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} into {self.project_id} ({self.status})"


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving", _("Receiving")
    COMPLETE = "complete", _("Complete")


class Upload(models.Model):
    """A media file arriving from the browser over tus (``clips.uploads``), one per file.

    The row is the upload's state — offset, and which request writes it — so an upload resumes
    after a dropped connection, a closed laptop or a restarted server, from any web process.
    """

    Status = UploadStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="uploads"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    length = models.BigIntegerField(help_text="Upload-Length: the whole file, in bytes.")
    offset = models.BigIntegerField(default=0, help_text="Bytes received and on disk.")
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the size and first and last MiB."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVING)
    # The PATCH request writing the file now and its last sign of life: the lock that keeps two
    # requests (two processes) from writing one upload, taken over once it is stale.
    writer = models.UUIDField(null=True, blank=True)
    writer_seen_at = models.DateTimeField(null=True, blank=True)
    import_job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__gte=0) & Q(offset__lte=models.F("length")),
                name="upload_offset_within_length",
            ),
            models.CheckConstraint(
                condition=~Q(status=UploadStatus.COMPLETE) | Q(offset=models.F("length")),
                name="upload_complete_is_whole",
            ),
            one_of("status", UploadStatus, "upload_status_valid"),
        ]
        indexes = [models.Index(fields=["project", "fingerprint"], name="upload_fingerprint")]

    def __str__(self) -> str:
        return f"upload {self.filename} ({self.offset}/{self.length})"
