"""Control items (issue 19, item 1): served at the project's rate among layer-1 claims, never
twice to one annotator, scored against the known answer, and never a label: not routed, not
aggregated, not in agreement or progress, not released."""

import threading

import pytest
from django.db import transaction
from django.utils import timezone
from locks import Running, until, waiting_on_locks
from rest_framework.test import APIClient

from annotation.errors import Conflict, Invalid
from annotation.models import Annotation, ClipAgreement, ControlAnswer, ControlItem, GoldLabel
from annotation.selectors.dashboard import dashboard_progress
from annotation.serializers import AnnotationSerializer
from annotation.services.agreement import label_table
from annotation.services.assignment import assignment_next
from annotation.services.controls import control_from_gold, control_mark
from annotation.services.submission import annotation_submit
from clips.models import Clip
from exports.models import Release
from exports.selectors import release_data
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # routing is enqueued on commit

JOY = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
ANGER = {"basic7": "Anger", "goemotions": ["anger"], "intensity": 4}


def controls(project, n, answer=JOY):
    return [
        control_mark(clip=ClipFactory(project=project, external_id=f"control-{i}"),
                     answer=answer, actor=None)
        for i in range(n)
    ]  # fmt: skip


def work(project, user, n, payload=JOY):
    """Claim and submit ``n`` times; which claims were controls, in order."""
    served = []
    for _ in range(n):
        lease = assignment_next(user=user, project=project)
        served.append(lease.clip.stage == Clip.Stage.CONTROL)
        annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
    return served


def test_one_claim_in_the_rate_is_a_control():
    project = ProjectFactory(control_rate=4, overlap_k=1)
    ClipFactory.create_batch(20, project=project)
    controls(project, 5)
    user = member(project, "annotator")
    assert work(project, user, 12) == [False, False, False, True] * 3
    assert ControlAnswer.objects.filter(user=user).count() == 3
    assert Annotation.objects.filter(annotator=user).count() == 9


def test_controls_do_not_use_up_the_per_user_cap():
    # The cap bounds one person's share of the benchmark's labels; controls are none.
    project = ProjectFactory(control_rate=2, overlap_k=1, per_user_cap=3)
    ClipFactory.create_batch(10, project=project)
    controls(project, 5)
    user = member(project, "annotator")
    assert work(project, user, 6) == [False, True] * 3
    assert Annotation.objects.filter(annotator=user).count() == 3
    assert assignment_next(user=user, project=project) is None  # the cap, on real clips


def test_controls_are_off_by_default():
    project = ProjectFactory(overlap_k=1)
    ClipFactory.create_batch(3, project=project)
    controls(project, 3)
    assert work(project, member(project, "annotator"), 3) == [False] * 3
    # The real clips are done (k = 1): the controls are not work to hand out instead.
    assert assignment_next(user=member(project, "annotator"), project=project) is None


def test_a_control_is_never_served_twice_to_one_annotator():
    project = ProjectFactory(control_rate=1, overlap_k=3)
    ClipFactory.create_batch(3, project=project)
    marked = controls(project, 2)
    first, second = member(project, "annotator"), member(project, "annotator")
    # Every claim is due a control; once both are answered, real clips follow.
    assert work(project, first, 4) == [True, True, False, False]
    assert work(project, second, 3) == [True, True, False]  # controls know no overlap k
    for user in (first, second):
        answered = ControlAnswer.objects.filter(user=user).values_list("control", flat=True)
        assert sorted(answered) == sorted(c.pk for c in marked)


def test_an_answer_is_scored_against_the_known_answer_and_is_no_label():
    project = ProjectFactory(control_rate=1, overlap_k=1)
    (control,) = controls(project, 1)
    right, wrong = member(project, "annotator"), member(project, "annotator")
    work(project, right, 1, JOY)
    work(project, wrong, 1, ANGER)
    assert ControlAnswer.objects.get(user=right).correct
    assert not ControlAnswer.objects.get(user=wrong).correct
    clip = Clip.objects.get(pk=control.clip_id)
    assert (clip.stage, clip.layer1_count, clip.layer1_open) == ("control", 0, 0)
    assert not Annotation.objects.filter(clip=clip).exists()
    assert not ClipAgreement.objects.filter(clip=clip).exists()
    assert not GoldLabel.objects.filter(clip=clip).exists()


def test_a_replayed_answer_returns_the_same_and_a_different_one_conflicts():
    project = ProjectFactory(control_rate=1)
    controls(project, 1)
    user = member(project, "annotator")
    lease = assignment_next(user=user, project=project)
    first = annotation_submit(assignment_id=lease.pk, user=user, payload=JOY)
    assert annotation_submit(assignment_id=lease.pk, user=user, payload=JOY).pk == first.pk
    with pytest.raises(Conflict):
        annotation_submit(assignment_id=lease.pk, user=user, payload=ANGER)


def test_the_known_answer_must_fit_the_label_schema():
    project = ProjectFactory()
    clip = ClipFactory(project=project)
    with pytest.raises(Invalid):
        control_mark(clip=clip, answer={"basic7": "Bliss"}, actor=None)
    assert Clip.objects.get(pk=clip.pk).stage == "layer1"


def test_a_held_clip_cannot_become_a_control():
    project = ProjectFactory()
    clip = ClipFactory(project=project)
    assignment_next(user=member(project, "annotator"), project=project)
    with pytest.raises(Conflict):
        control_mark(clip=clip, answer=JOY, actor=None)


@pytest.fixture
def promoted():
    """A project with two gold clips labelled by three annotators; one promoted to a control
    and answered by a fourth annotator."""
    project = ProjectFactory(slug="with-controls", control_rate=1, overlap_k=3)
    people = [member(project, "annotator") for _ in range(3)]
    for i in range(2):
        clip = ClipFactory(project=project, external_id=f"gold-{i}", stage="gold")
        for user in people:
            Annotation.objects.create(
                clip=clip,
                annotator=user,
                status="submitted",
                is_current=True,
                payload=JOY,
                submitted_at=timezone.now(),
            )
        ClipAgreement.objects.create(clip=clip, n_annotations=3, tier="high", confidence=1.0)
        GoldLabel.objects.create(clip=clip, version=1, provenance="unanimous", payload=JOY)
    kept, gone = Clip.objects.order_by("external_id")
    admin = member(project, "admin")
    control = control_from_gold(clip=gone, actor=admin)
    work(project, member(project, "annotator"), 1, JOY)
    return project, kept, gone, control


def test_promoted_gold_becomes_the_known_answer(promoted):
    _, _, gone, control = promoted
    assert control.answer == JOY and control.from_gold == GoldLabel.objects.get(clip=gone)
    assert ControlAnswer.objects.get().correct
    with pytest.raises(Conflict):
        control_from_gold(clip=gone, actor=None)


@pytest.mark.postgres
def test_a_gold_redecided_while_it_is_promoted_is_promoted_as_redecided():
    """The gold is read after the clip is locked: a new decision committed while the promotion
    waited for the clip becomes the known answer, not the gold it replaced."""
    project = ProjectFactory()
    clip = ClipFactory(project=project, stage="gold")
    GoldLabel.objects.create(clip=clip, version=1, provenance="unanimous", payload=JOY)
    locked, decide = threading.Event(), threading.Event()

    def redecide() -> None:
        with transaction.atomic():
            list(Clip.objects.select_for_update().filter(pk=clip.pk))
            locked.set()
            decide.wait()
            GoldLabel.objects.filter(clip=clip).update(is_current=False)
            GoldLabel.objects.create(clip=clip, version=2, provenance="majority", payload=ANGER)

    deciding = Running(redecide)
    locked.wait()
    promoting = Running(lambda: control_from_gold(clip=clip, actor=None))
    until(lambda: waiting_on_locks() >= 1)
    decide.set()
    deciding.join()
    (control,) = promoting.join()
    assert control.answer == ANGER and control.from_gold.version == 2


def test_nothing_of_a_control_reaches_the_release(promoted):
    project, kept, _, _ = promoted
    data = release_data(Release.objects.create(project=project, major=1, minor=0, patch=0), None)
    assert [c.clip_id for c in data.clips] == [kept.external_id]
    assert {label.clip_id for label in data.labels} == {kept.external_id}
    assert len(data.labels) == 3  # the control's answerer has no pseudonym, no label
    assert [g.clip_id for g in data.gold] == [kept.external_id]
    assert [a.clip_id for a in data.agreement] == [kept.external_id]


def test_a_control_is_not_in_agreement_or_progress(promoted):
    project, kept, _, _ = promoted
    table = label_table(project)
    assert list(table.clip_ids) == [kept.pk]
    progress = dashboard_progress(project)
    assert progress["total"] == 1 and progress["stages"]["gold"] == 1
    assert "control" not in progress["stages"]
    assert sum(progress["throughput"]["annotations"]) == 3


def test_the_api_answers_a_control_as_any_submission():
    project = ProjectFactory(control_rate=1)
    controls(project, 1)
    user = member(project, "annotator")
    api = APIClient()
    api.force_authenticate(user)
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    assert "stage" not in lease["clip"]
    sent = api.post(f"/api/assignments/{lease['id']}/submit/", {"payload": JOY}, format="json")
    assert sent.status_code == 201, sent.json()
    body = sent.json()
    assert body["status"] == "submitted" and body["payload"] == JOY
    assert body["clip"] == lease["clip"]["id"]
    # The Annotation schema documents it (apis.SubmitApi): the same fields, nothing else.
    assert set(body) == set(AnnotationSerializer.Meta.fields)


def test_an_admin_marks_a_control_or_promotes_gold_in_the_admin(admin_client):
    project = ProjectFactory()
    plain, gold = ClipFactory(project=project), ClipFactory(project=project, stage="gold")
    GoldLabel.objects.create(clip=gold, version=1, provenance="unanimous", payload=ANGER)
    url = "/admin/annotation/controlitem/add/"
    refused = admin_client.post(url, {"clip": plain.pk, "answer": '{"basic7": "Bliss"}'})
    assert refused.status_code == 200 and not ControlItem.objects.exists()  # the form again
    for clip, answer in ((plain, '{"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}'),
                         (gold, "")):  # fmt: skip
        response = admin_client.post(url, {"clip": clip.pk, "answer": answer})
        assert response.status_code == 302, response.content.decode()[:2000]
    assert ControlItem.objects.get(clip=plain).answer == JOY
    assert ControlItem.objects.get(clip=gold).answer == ANGER
    assert set(Clip.objects.values_list("stage", flat=True)) == {"control"}
    assert (
        admin_client.get(
            f"/admin/annotation/controlitem/{ControlItem.objects.first().pk}/change/"
        ).status_code
        == 200
    )


def test_the_rate_is_a_project_setting_off_by_default():
    project = ProjectFactory()
    admin = member(project, "admin")
    api = APIClient()
    api.force_authenticate(admin)
    url = f"/api/projects/{project.slug}/settings/"
    assert api.get(f"/api/projects/{project.slug}/").json()["control_rate"] == 0
    assert api.patch(url, {"control_rate": -1}, format="json").status_code == 400
    assert api.patch(url, {"control_rate": 20}, format="json").json()["control_rate"] == 20
