"""Small builders shared by the tests (factory_boy)."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotation.models import Membership, Project
from clips.models import Clip


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-test-123")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.title())


class ClipFactory(factory.django.DjangoModelFactory):
    """A clip whose media is ready (no files: the workflow never opens them)."""

    class Meta:
        model = Clip

    project = factory.SubFactory(ProjectFactory)
    external_id = factory.Sequence(lambda n: f"clip-{n:05d}")
    media_status = Clip.MediaStatus.READY
    duration_s = 4.0
    stage = Clip.Stage.LAYER1
    review_opened_at = factory.LazyAttribute(  # as the workflow marks reviewable clips
        lambda clip: timezone.now() if clip.stage in ("disputed", "gold") else None
    )


def member(project: Project, role: str, username: str | None = None):  # type: ignore[no-untyped-def]
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.create(project=project, user=user, role=role)
    return user
