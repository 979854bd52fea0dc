from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from annotation.errors import Conflict
from annotation.models import Membership, Project, Role
from annotation.schema import default_label_schema, default_routing_rule, default_trace_config
from annotation.services.audit import audit_record
from annotation.services.locks import project_lock
from annotation.services.routing import clips_reroute


@dataclass(frozen=True)
class Preset:
    """A starting point for a new project: what the create form is filled with."""

    title: Any  # lazily translated
    settings: dict[str, Any] = field(default_factory=dict)
    custom_schema: bool = False  # the admin writes the label schema


# EmoS's static clips: three blind annotators, the EmoS routing rule. Its streaming
# monologues: minutes long and traced live while playing, so a lease long enough to watch
# one twice. Custom: the same defaults with the label schema open.
PRESETS = {
    "emos-static": Preset(gettext_lazy("EmoS static clips")),
    "emos-streaming": Preset(gettext_lazy("EmoS streaming monologues"), {"lease_minutes": 90}),
    "custom": Preset(gettext_lazy("Custom"), custom_schema=True),
}


def preset_settings(preset: str) -> dict[str, Any]:
    """Every setting the preset fills in (the model's defaults, then the preset's)."""
    return {
        "label_schema": default_label_schema(),
        "overlap_k": 3,
        "routing_rule": default_routing_rule(),
        "trace_config": default_trace_config(),
        "lease_minutes": 30,
        "per_user_cap": None,
        "control_rate": 0,
        "qualification_controls": 0,
        "qualification_pass": 0.8,
        "pause_floor": 0.0,
        "pause_min_controls": 10,
        **PRESETS[preset].settings,
    }


def project_get_or_create(*, slug: str, name: str = "") -> tuple[Project, bool]:
    """The project with ``slug``, created with EmoS defaults when it does not exist yet."""
    if slugify(slug) != slug:
        raise ValueError(f"{slug!r} is not a valid project slug (try {slugify(slug)!r})")
    return Project.objects.get_or_create(slug=slug, defaults={"name": name or slug})


@transaction.atomic
def membership_grant(*, project: Project, user: User, roles: list[Role]) -> None:
    for role in roles:
        Membership.objects.update_or_create(
            project=project, user=user, role=role, defaults={"is_active": True}
        )


@transaction.atomic
def project_settings_update(*, project: Project, actor: User, changes: dict[str, Any]) -> Project:
    """Change validated settings; a new k or routing rule re-derives every gold label not
    decided by an adjudicator (``clips_reroute``): gold follows the rule both ways. Applied
    under ``project_lock`` to the project as committed, saving only the fields changed: a
    change made meanwhile stays, and refits take turns with it."""
    project_lock(project)
    before = {key: getattr(project, key) for key in changes}
    for key, value in changes.items():
        setattr(project, key, value)
    project.save(update_fields=[*changes, "updated_at"])
    audit_record(
        action="project.settings_changed", project=project, actor=actor, target=project,
        data={"before": before, "after": changes},
    )  # fmt: skip
    if {"routing_rule", "overlap_k", "overlap"} & changes.keys():
        clips_reroute(project=project)
    return project


@transaction.atomic
def project_create(
    *, actor: User, preset: str, slug: str, name: str, settings: dict[str, Any]
) -> Project:
    """A project from a preset, ``settings`` (validated) on top; its creator is its admin."""
    if Project.objects.filter(slug=slug).exists():
        raise Conflict(gettext_lazy("a project with this slug exists already"), field="slug")
    values = {**preset_settings(preset), **settings}
    project = Project.objects.create(slug=slug, name=name, **values)
    membership_grant(project=project, user=actor, roles=[Role.ADMIN])
    audit_record(
        action="project.created", project=project, actor=actor, target=project,
        data={"preset": preset, "settings": values},
    )  # fmt: skip
    return project


def project_archive(*, project: Project, actor: User, archived: bool) -> Project:
    """Archive (no new claims, hidden from everyone but its admins) or bring back."""
    if archived == (project.archived_at is not None):
        return project
    project.archived_at = timezone.now() if archived else None
    project.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        action="project.archived" if archived else "project.unarchived",
        project=project, actor=actor, target=project,
    )  # fmt: skip
    return project
