"""The database, not just the code, holds the invariants later issues rely on."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotation.models import (
    Adjudication,
    Annotation,
    Assignment,
    GoldLabel,
    Membership,
    Project,
    Trace,
    TraceChunk,
)
from clips.models import Clip, Segment
from exports.models import Release

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("ann", password="x")


@pytest.fixture
def clip():
    project = Project.objects.create(slug="p", name="P")
    return Clip.objects.create(project=project, external_id="c1")


def violates(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def lease(clip, user, status="active", layer=1):
    return Assignment.objects.create(
        clip=clip,
        user=user,
        layer=layer,
        status=status,
        expires_at=timezone.now() + timedelta(minutes=30),
    )


def test_project_defaults_follow_emos(clip):
    project = clip.project
    assert project.overlap_k == 3
    assert project.routing_rule["min_confidence"] == 0.9
    assert project.trace_config["rate_hz"] == 25
    layers = {layer["name"]: layer for layer in project.label_schema["layers"]}
    assert len(layers["basic7"]["labels"]) == 7
    assert len(layers["goemotions"]["labels"]) == 28  # 27 emotions + neutral
    assert (layers["intensity"]["min"], layers["intensity"]["max"]) == (1, 5)


def test_project_k_must_be_positive():
    assert violates(lambda: Project.objects.create(slug="z", name="z", overlap_k=0))


def test_one_live_assignment_per_clip_user_layer(clip, user):
    lease(clip, user)
    assert violates(lambda: lease(clip, user))
    assert not violates(lambda: lease(clip, user, layer=2))


def test_never_the_same_user_twice_on_a_clip(clip, user):
    lease(clip, user, status="submitted")
    assert violates(lambda: lease(clip, user))
    # A released or expired lease does not block: the clip may come back to the user.
    other = get_user_model().objects.create_user("other")
    lease(clip, other, status="released")
    assert not violates(lambda: lease(clip, other))


def test_annotation_revisions(clip, user):
    Annotation.objects.create(
        clip=clip, annotator=user, status="submitted", revision=1, is_current=True
    )
    assert violates(
        lambda: Annotation.objects.create(
            clip=clip, annotator=user, status="submitted", revision=2, is_current=True
        )
    )
    assert violates(
        lambda: Annotation.objects.create(clip=clip, annotator=user, status="submitted", revision=1)
    )
    assert violates(
        lambda: Annotation.objects.create(
            clip=clip, annotator=user, status="draft", is_current=True
        )
    )
    Annotation.objects.create(clip=clip, annotator=user, status="draft")
    assert violates(lambda: Annotation.objects.create(clip=clip, annotator=user, status="draft"))


def test_trace_chunks_are_unique_per_sequence(clip, user):
    trace = Trace.objects.create(clip=clip, annotator=user, config={"rate_hz": 25})
    TraceChunk.objects.create(
        trace=trace, seq=0, t0=0.0, n_samples=25, samples=b"\0" * 200, digest="a"
    )
    assert violates(
        lambda: TraceChunk.objects.create(
            trace=trace, seq=0, t0=0.0, n_samples=25, samples=b"", digest="b"
        )
    )
    assert violates(
        lambda: TraceChunk.objects.create(
            trace=trace, seq=1, t0=-1.0, n_samples=25, samples=b"", digest="c"
        )
    )
    assert violates(lambda: Trace.objects.create(clip=clip, annotator=user, revision=2, config={}))


def test_gold_is_versioned_with_one_current(clip, user):
    GoldLabel.objects.create(
        clip=clip, version=1, payload={"basic7": "Joy"}, provenance="unanimous"
    )
    assert violates(
        lambda: GoldLabel.objects.create(clip=clip, version=2, payload={}, provenance="majority")
    )
    assert violates(
        lambda: GoldLabel.objects.create(
            clip=clip, version=1, payload={}, provenance="majority", is_current=False
        )
    )
    # "adjudicated" gold must point at the decision behind it.
    assert violates(
        lambda: GoldLabel.objects.create(
            clip=clip, version=3, payload={}, provenance="adjudicated", is_current=False
        )
    )
    decision = Adjudication.objects.create(clip=clip, adjudicator=user, payload={}, rationale="r")
    GoldLabel.objects.filter(clip=clip).update(is_current=False)
    GoldLabel.objects.create(
        clip=clip,
        version=2,
        payload={"basic7": "Fear"},
        provenance="adjudicated",
        adjudication=decision,
    )
    assert GoldLabel.objects.get(clip=clip, is_current=True).version == 2


def test_clip_source_ids_and_content_are_unique_per_project(clip):
    assert violates(lambda: Clip.objects.create(project=clip.project, external_id="c1"))
    Clip.objects.filter(pk=clip.pk).update(content_sha256="f" * 64)
    assert violates(
        lambda: Clip.objects.create(project=clip.project, external_id="c2", content_sha256="f" * 64)
    )
    Clip.objects.create(
        project=clip.project, external_id="c3", content_sha256="f" * 64, media_status="duplicate"
    )


def test_ready_clip_has_a_duration_and_segments_are_ordered(clip):
    assert violates(lambda: Clip.objects.filter(pk=clip.pk).update(media_status="ready"))
    assert violates(lambda: Segment.objects.create(clip=clip, index=1, start_s=2.0, end_s=1.0))


def test_membership_one_row_per_role(clip, user):
    Membership.objects.create(project=clip.project, user=user, role="annotator")
    Membership.objects.create(project=clip.project, user=user, role="adjudicator")
    assert violates(
        lambda: Membership.objects.create(project=clip.project, user=user, role="annotator")
    )
    assert violates(
        lambda: Membership.objects.create(project=clip.project, user=user, role="owner")
    )


def test_release_versions_are_unique(clip):
    Release.objects.create(project=clip.project, major=1, minor=0, patch=0)
    assert violates(lambda: Release.objects.create(project=clip.project, major=1, minor=0, patch=0))
    assert violates(
        lambda: Release.objects.create(project=clip.project, major=1, minor=1, patch=0, progress=2)
    )


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("app_label", ["annotation", "clips", "exports"])
def test_every_model_has_a_working_admin(app_label, admin_client, clip):
    for model in apps.get_app_config(app_label).get_models():
        assert model in admin.site._registry, f"{model.__name__} is not in the admin"
        url = f"/admin/{app_label}/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
