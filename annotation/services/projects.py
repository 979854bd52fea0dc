from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from annotation.models import Membership, Project, Role
from annotation.services.audit import audit_record
from annotation.services.routing import clips_reroute


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
    decided by an adjudicator (``clips_reroute``): gold follows the rule both ways."""
    before = {key: getattr(project, key) for key in changes}
    for key, value in changes.items():
        setattr(project, key, value)
    project.save()
    audit_record(
        action="project.settings_changed", project=project, actor=actor, target=project,
        data={"before": before, "after": changes},
    )  # fmt: skip
    if {"routing_rule", "overlap_k"} & changes.keys():
        clips_reroute(project=project)
    return project
