from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from annotation.models.checks import one_of
from annotation.models.jobs import Job


class ReleaseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    BUILDING = "building", _("Building")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class Release(Job):
    """A versioned benchmark release; immutable once published."""

    Status = ReleaseStatus

    PENDING, RUNNING, DONE, FAILED = (
        Status.PENDING,
        Status.BUILDING,
        Status.PUBLISHED,
        Status.FAILED,
    )

    project = models.ForeignKey(
        "annotation.Project", on_delete=models.PROTECT, related_name="releases"
    )
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    patch = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField(default=0.0)
    progress_message = models.CharField(max_length=200, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archive_path = models.CharField(max_length=500, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "major", "minor", "patch"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "major", "minor", "patch"], name="release_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="release_progress_range"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReleaseStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="release_published_has_time",
            ),
            one_of("status", ReleaseStatus, "release_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.version} ({self.status})"

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"
