from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from annotation.schema import (
    default_label_schema,
    default_overlap,
    default_routing_rule,
    default_trace_config,
)

from .checks import one_of
from .drafts import DraftsMode


class Project(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    label_schema = models.JSONField(default=default_label_schema)
    overlap_k = models.PositiveSmallIntegerField(
        default=3, help_text="Blind first-layer annotators per clip."
    )
    overlap = models.JSONField(
        default=default_overlap,
        help_text='{"strategy": "fixed"} (k labels) or "adaptive" on the Dawid–Skene posterior.',
    )
    routing_rule = models.JSONField(default=default_routing_rule)
    trace_config = models.JSONField(default=default_trace_config)
    lease_minutes = models.PositiveIntegerField(
        default=30, help_text="How long an assignment is held before it is reclaimed."
    )
    per_user_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most first-layer clips one annotator may take."
    )
    control_rate = models.PositiveSmallIntegerField(
        default=0, help_text="One layer-1 claim in this many is a control item; 0: none."
    )
    qualification_controls = models.PositiveSmallIntegerField(
        default=0, help_text="Control items a new annotator answers before real clips; 0: none."
    )
    qualification_pass = models.FloatField(
        default=0.8, help_text="Share of the qualification's controls to answer right."
    )
    pause_floor = models.FloatField(
        default=0, help_text="Pause an annotator whose control accuracy is surely below; 0: off."
    )
    pause_min_controls = models.PositiveSmallIntegerField(
        default=10, help_text="Controls answered before the pause rule judges."
    )
    drafts = models.CharField(
        max_length=8,
        choices=DraftsMode.choices,
        default=DraftsMode.HIDDEN,
        help_text="Model drafts: hidden from annotators, or shown as a pre-fill.",
    )
    draft_run = models.ForeignKey(
        "annotation.ModelRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The run whose drafts pre-fill the label form.",
    )
    draft_share = models.FloatField(
        default=1.0,
        help_text="Share of claims shown the draft, drawn at random (below 1, the anchoring "
        "figure compares like with like).",
    )
    # Archived: no new claims; only its admins still see it (for its data and releases).
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(overlap_k__gte=1), name="project_k_positive"),
            models.CheckConstraint(
                condition=models.Q(lease_minutes__gte=1), name="project_lease_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(qualification_pass__gte=0, qualification_pass__lte=1),
                name="project_pass_mark_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    pause_floor__gte=0, pause_floor__lte=1, pause_min_controls__gte=1
                ),
                name="project_pause_rule_valid",
            ),
            one_of("drafts", DraftsMode, "project_drafts_valid"),
            models.CheckConstraint(
                condition=models.Q(drafts=DraftsMode.HIDDEN) | models.Q(draft_run__isnull=False),
                name="project_prefill_has_run",
            ),
            models.CheckConstraint(
                condition=models.Q(draft_share__gte=0, draft_share__lte=1),
                name="project_draft_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class Role(models.TextChoices):
    ANNOTATOR = "annotator", _("Annotator")
    ADJUDICATOR = "adjudicator", _("Adjudicator")
    ADMIN = "admin", _("Admin")


class Membership(models.Model):
    """A user's role in a project; one row per role, so a user may hold several."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claims = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Clips claimed in this role; bumped by each claim, which takes turns on it.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "role"], name="membership_unique_role"
            ),
            one_of("role", Role, "membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} in {self.project}"
