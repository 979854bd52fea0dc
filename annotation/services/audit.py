from typing import Any

from django.contrib.auth.models import User
from django.db import models

from annotation.models import AuditEvent, Project


def audit_record(
    *,
    action: str,
    project: Project | None = None,
    actor: User | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        project=project,
        actor=actor,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
