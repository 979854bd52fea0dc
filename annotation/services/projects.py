from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from annotation.models import Membership, Project, Role


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
