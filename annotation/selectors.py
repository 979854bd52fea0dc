"""Reads, always scoped to what the user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from annotation.errors import NotAllowed
from annotation.models import Membership, Project, Role
from clips.models import Clip


def projects_for_user(user: User | AnonymousUser) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_staff:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user, memberships__is_active=True).distinct()


def project_for_user(user: User | AnonymousUser, slug: str) -> Project:
    """The project if the user is an active member (or staff); 404 otherwise."""
    return get_object_or_404(projects_for_user(user), slug=slug)


def clip_media_counts(project: Project) -> dict[str, int]:
    rows = (
        Clip.objects.filter(project=project)
        .values("media_status")
        .annotate(n=Count("id"))
        .order_by("media_status")
    )
    return {row["media_status"]: row["n"] for row in rows}


def has_role(user: User | AnonymousUser, project: Project, *roles: str) -> bool:
    """Whether the user holds one of ``roles`` in the project (superusers are admins)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser and Role.ADMIN in roles:
        return True
    return Membership.objects.filter(
        project=project, user=user, role__in=roles, is_active=True
    ).exists()


def require_role(user: User | AnonymousUser, project: Project, *roles: str) -> None:
    if not has_role(user, project, *roles):
        raise NotAllowed(f"this needs the {' or '.join(roles)} role in {project.slug}")
