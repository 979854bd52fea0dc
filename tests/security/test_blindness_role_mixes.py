"""Blindness belongs to the user and the clip, whatever mix of roles the user holds: nobody
reads another's labels, agreement or gold of a clip they labelled, hold or held in layer 1,
or — as an annotator of the project — of a clip still collecting layer-1 labels."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import Annotation, Assignment, Membership, Role, Trace
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
LATER = timedelta(minutes=30)


def _label(clip, user, **fields):
    assignment = Assignment.objects.create(
        clip=clip, user=user, status="submitted", expires_at=timezone.now() + LATER
    )
    return Annotation.objects.create(
        clip=clip, annotator=user, assignment=assignment, status="submitted", is_current=True,
        payload=LABELS, submitted_at=timezone.now(), **fields,
    )  # fmt: skip


def _trace(clip, user):
    return Trace.objects.create(
        clip=clip, annotator=user, config=clip.project.trace_config, status="finalised",
        data=np.full((4, 2), 0.1, dtype="<f4").tobytes(), finalised_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def world():
    project = ProjectFactory(slug="p")
    dual = member(project, Role.ANNOTATOR, "dual")
    Membership.objects.create(project=project, user=dual, role=Role.ADJUDICATOR)
    admin_annotator = member(project, Role.ADMIN, "boss")
    Membership.objects.create(project=project, user=admin_annotator, role=Role.ANNOTATOR)
    ann1, ann2 = member(project, Role.ANNOTATOR, "ann1"), member(project, Role.ANNOTATOR, "ann2")
    judge = member(project, Role.ADJUDICATOR, "judge")
    admin = member(project, Role.ADMIN, "admin")
    stream = {"kind": "stream", "duration_s": 4.0}
    held = ClipFactory(project=project, layer1_count=1, layer1_open=2, **stream)
    labelled = ClipFactory(project=project, stage=Clip.Stage.DISPUTED, layer1_count=3, **stream)
    free = ClipFactory(project=project, stage=Clip.Stage.DISPUTED, layer1_count=2, **stream)
    collecting = ClipFactory(project=project, layer1_count=1, **stream)
    for user in (dual, admin_annotator):
        Assignment.objects.create(clip=held, user=user, expires_at=timezone.now() + LATER)
    objects = {
        "held": held, "labelled": labelled, "free": free, "collecting": collecting,
        "held_other": _label(held, ann1), "held_trace": _trace(held, ann1),
        "own": _label(labelled, dual), "labelled_other": _label(labelled, ann2),
        "labelled_trace": _trace(labelled, ann2), "free_other": _label(free, ann1),
        "free_trace": _trace(free, ann1), "collecting_other": _label(collecting, ann2),
        "collecting_trace": _trace(collecting, ann2),
    }  # fmt: skip
    _label(labelled, admin_annotator)
    _label(free, ann2)
    users = {"dual": dual, "boss": admin_annotator, "judge": judge, "admin": admin}
    return {"users": users, **objects}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# What each reader may see of each clip's layer-1 work: "held" (they hold a lease on it),
# "labelled" (they labelled it; the judge did not), "free" (disputed, not theirs), "collecting"
# (still in layer 1, not theirs).
SEES = {
    "dual": {"free"},
    "boss": {"free"},  # an admin who also annotates is as blind as any annotator
    "judge": {"labelled", "free"},  # an adjudicator reads clips once layer 1 is over
    "admin": {"held", "labelled", "free", "collecting"},  # an admin who does not annotate
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_clip_reads_follow_blindness(world, who):
    client = _client(world["users"][who])
    for name in ("held", "labelled", "free", "collecting"):
        clip = world[name]
        expected = 200 if name in SEES[who] else 404
        for url in (f"/api/clips/{clip.pk}/", f"/api/clips/{clip.pk}/traces/"):
            assert client.get(url).status_code == expected, (who, name, url)
        other = world[f"{name}_other"]
        assert client.get(f"/api/annotations/{other.pk}/").status_code == expected, (who, name)
        trace = world.get(f"{name}_trace")
        if trace is not None:
            for url in (f"/api/traces/{trace.pk}/", f"/api/traces/{trace.pk}/samples/"):
                assert client.get(url).status_code == expected, (who, name, url)


def test_own_labels_stay_readable(world):
    client = _client(world["users"]["dual"])
    response = client.get(f"/api/annotations/{world['own'].pk}/")
    assert response.status_code == 200 and response.json()["payload"] == LABELS


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_disputed_queue_hides_blind_clips(world, who):
    response = _client(world["users"][who]).get("/api/projects/p/disputes/")
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    expected = {world[name].pk for name in SEES[who] & {"labelled", "free"}}
    assert listed == expected


def test_a_dual_role_member_is_offered_for_adjudication_only_clips_they_may_read(world):
    client = _client(world["users"]["dual"])
    claimed = client.post("/api/projects/p/disputes/next/", {}, format="json").json()
    assert claimed["assignment"]["clip"]["id"] == world["free"].pk
    # Releasing the layer-1 lease does not make the clip they held readable.
    lease = Assignment.objects.get(clip=world["held"], user=world["users"]["dual"], layer=1)
    assert client.post(f"/api/assignments/{lease.pk}/release/").status_code == 200
    assert client.get(f"/api/clips/{world['held'].pk}/").status_code == 404


def test_staff_status_opens_no_project(world):
    staff = UserFactory(username="staffer", is_staff=True)
    client = _client(staff)
    assert client.get("/api/projects/").json()["results"] == []
    for url in (
        "/api/projects/p/",
        f"/api/clips/{world['free'].pk}/",
        f"/api/annotations/{world['free_other'].pk}/",
        f"/api/traces/{world['free_trace'].pk}/samples/",
    ):
        assert client.get(url).status_code == 404, url
