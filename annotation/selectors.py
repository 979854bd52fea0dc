"""Reads, always scoped to what the user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from annotation.models import Project
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
