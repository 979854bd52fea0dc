"""Work on a clip: assignments, layer-1 annotations, agreement, adjudication and gold."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from .checks import one_of
from .jobs import Job


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active"
    SUBMITTED = "submitted"
    RELEASED = "released"
    EXPIRED = "expired"


class AnnotationStatus(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ReportStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Assignment(models.Model):
    """A lease of one clip to one user for one layer."""

    Status = AssignmentStatus

    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    layer = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    # Not stored: set on a lease the current request created, which has no draft yet (the
    # response does not look for one).
    claimed_now = False
    # Not stored: the model draft this response pre-fills the form with (``draft_serve``).
    model_draft: dict[str, Any] | None = None
    # Not stored: the draft the response shows, once looked for (AssignmentSerializer).
    open_draft_read = False
    open_draft: "Annotation | None" = None

    class Meta:
        constraints = [
            # Never the same user twice on a clip in layer 1, held or done; one live lease per
            # clip and user in layer 2, where a gold clip an admin reopens may be decided again
            # by the same adjudicator (gold is versioned, nothing is overwritten).
            models.UniqueConstraint(
                fields=["clip", "user", "layer"],
                condition=Q(status=AssignmentStatus.ACTIVE)
                | Q(layer=1, status=AssignmentStatus.SUBMITTED),
                name="assignment_one_live_per_clip_user_layer",
            ),
            # One adjudicator at a time on a disputed clip.
            models.UniqueConstraint(
                fields=["clip"],
                condition=Q(layer=2, status=AssignmentStatus.ACTIVE),
                name="assignment_one_adjudicator",
            ),
            models.CheckConstraint(condition=Q(layer__in=[1, 2]), name="assignment_layer_valid"),
            one_of("status", AssignmentStatus, "assignment_status_valid"),
        ]
        # Released and expired rows pile up and are never deleted: whatever a claim asks must
        # be an index seek whose cost does not grow with them. scripts/explain_claim.py (issue
        # 17) showed the "seen" probe reading each candidate clip's rows through the clip_id
        # index and filtering them by user: skipped clips keep their place at the front of the
        # queue, so every claim walked every earlier release of every clip it passed over (4.5
        # ms at 100k releases vs 0.7 ms at 10k). With assignment_seen_idx it is one seek per
        # clip whoever released it; what remains is walking past the claimer's own skips.
        indexes = [
            models.Index(fields=["user", "status"], name="assignment_user_idx"),
            # Live leases only: the lease sweep, and the user's open lease.
            models.Index(
                fields=["expires_at"],
                condition=Q(status=AssignmentStatus.ACTIVE),
                name="assignment_lapse_idx",
            ),
            models.Index(
                fields=["user", "layer"],
                condition=Q(status=AssignmentStatus.ACTIVE),
                name="assignment_live_idx",
            ),
            # "Never the same annotator twice": has this user held this clip (a lapsed
            # layer-1 lease does not count)? One seek per candidate clip.
            models.Index(
                fields=["user", "clip"],
                condition=~Q(layer=1, status=AssignmentStatus.EXPIRED),
                name="assignment_seen_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.layer} {self.clip_id}→{self.user_id} ({self.status})"


class AnnotationQuerySet(models.QuerySet["Annotation"]):
    def of_benchmark(self) -> "AnnotationQuerySet":
        """Labels that count: none on a control item (a gold clip promoted to a control keeps
        the labels it had; they no longer count anywhere)."""
        return self.exclude(clip__stage="control")


class Annotation(models.Model):
    """A first-layer label set. Submitted rows are immutable; a correction is a new revision."""

    Status = AnnotationStatus

    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="annotations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    payload = models.JSONField(default=dict)
    source = models.CharField(
        max_length=64, default="platform", help_text="platform, or the import format."
    )
    source_ref = models.CharField(max_length=500, blank=True, help_text="File and row imported.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    trace_coverage = models.FloatField(
        null=True, blank=True, help_text="Share of the clip the trace covered at submit (streams)."
    )
    trace_coverage_confirmed = models.BooleanField(
        default=False,
        help_text="The annotator confirmed submitting below the project's minimum coverage.",
    )
    # Set by the submit from what the claim served (``DraftShown``), never by the browser.
    draft_shown = models.BooleanField(default=False, help_text="A model draft was pre-filled.")
    draft_accepted = models.BooleanField(
        default=False, help_text="The labels submitted are the shown draft, unchanged."
    )
    # Sent for re-annotation by an admin (services/withdrawal.py): kept, no longer current.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clip", "annotator"],
                condition=Q(status=AnnotationStatus.DRAFT),
                name="annotation_one_draft",
            ),
            models.UniqueConstraint(
                fields=["clip", "annotator", "revision"],
                condition=Q(status=AnnotationStatus.SUBMITTED),
                name="annotation_unique_revision",
            ),
            models.UniqueConstraint(
                fields=["clip", "annotator"],
                condition=Q(is_current=True),
                name="annotation_one_current",
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(status=AnnotationStatus.SUBMITTED),
                name="annotation_current_is_submitted",
            ),
            one_of("status", AnnotationStatus, "annotation_status_valid"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="annotation_revision_pos"),
            models.CheckConstraint(
                condition=Q(draft_accepted=False) | Q(draft_shown=True),
                name="annotation_accepted_was_shown",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(is_current=False),
                name="annotation_withdrawn_not_current",
            ),
        ]
        indexes = [
            models.Index(fields=["annotator", "submitted_at"], name="annotation_user_idx"),
            # The claim's "already labelled by this user" probe: one seek per candidate clip.
            models.Index(fields=["annotator", "clip"], name="annotation_user_clip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.clip_id} by {self.annotator_id} r{self.revision} ({self.status})"


class Tier(models.TextChoices):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ClipAgreement(models.Model):
    """The latest agreement figures and aggregate for one clip (recomputed as labels land)."""

    clip = models.OneToOneField("clips.Clip", on_delete=models.CASCADE, related_name="agreement")
    n_annotations = models.PositiveSmallIntegerField(default=0)
    aggregate = models.JSONField(default=dict, help_text="Aggregated label per layer.")
    confidence = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    n_distinct = models.PositiveSmallIntegerField(null=True, blank=True)
    trace_ccc_min = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict)
    input_digest = models.CharField(
        max_length=64, blank=True, help_text="Hash of the annotation revisions used."
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="agreement_confidence_range",
            ),
            one_of("tier", Tier, "agreement_tier_valid", blank=True),
        ]

    def __str__(self) -> str:
        return f"agreement of {self.clip_id} ({self.tier or 'no tier'})"


class AgreementReport(Job):
    """A dated project-wide agreement computation, kept so agreement can be followed in time."""

    Status = ReportStatus
    PENDING, RUNNING, DONE, FAILED = Status.PENDING, Status.RUNNING, Status.DONE, Status.FAILED

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.CASCADE, related_name="agreement_reports"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"], name="agreement_report_idx")]
        constraints = [
            # One open report per project: a second request joins it (was check-then-create).
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]),
                name="agreement_report_one_open",
            ),
            one_of("status", ReportStatus, "agreement_report_status_valid"),
        ]

    def __str__(self) -> str:
        return f"agreement report {self.pk} of {self.project_id} ({self.status})"


class Adjudication(models.Model):
    """A second-layer decision on a disputed clip."""

    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="adjudications")
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="adjudication"
    )
    payload = models.JSONField(default=dict)
    rationale = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"adjudication of {self.clip_id} by {self.adjudicator_id}"


class Provenance(models.TextChoices):
    UNANIMOUS = "unanimous"
    MAJORITY = "majority"
    MODEL_CONFIDENT = "model_confident", "Model-confident (Dawid–Skene high tier)"
    ADJUDICATED = "adjudicated"


class GoldLabel(models.Model):
    """Versioned gold: a new decision adds a version, the previous one is kept."""

    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="gold_labels")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    payload = models.JSONField()
    provenance = models.CharField(max_length=16, choices=Provenance.choices)
    confidence = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    adjudication = models.OneToOneField(
        Adjudication, null=True, blank=True, on_delete=models.PROTECT, related_name="gold"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clip", "version"], name="gold_unique_version"),
            models.UniqueConstraint(
                fields=["clip"], condition=Q(is_current=True), name="gold_one_current"
            ),
            models.CheckConstraint(
                condition=~Q(provenance=Provenance.ADJUDICATED) | Q(adjudication__isnull=False),
                name="gold_adjudicated_has_decision",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="gold_version_positive"),
            one_of("provenance", Provenance, "gold_provenance_valid"),
            one_of("tier", Tier, "gold_tier_valid", blank=True),
        ]

    def __str__(self) -> str:
        return f"gold v{self.version} of {self.clip_id} ({self.provenance})"
