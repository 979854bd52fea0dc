"""Labels given below the floor sent for re-annotation (issue 19, item 3): an admin withdraws
a paused annotator's first-layer labels; they are kept, marked withdrawn, and count nowhere;
their clips wait for someone else's label, and a clip whose gold was decided with them goes
back to layer 1 and is decided again. Audited; admins only."""

import pytest
from control_steps import ANGER, JOY, answer, api_for
from django.utils import timezone
from locks import Running, held, until, waiting_on_locks

from annotation.errors import Paused
from annotation.models import Annotation, AuditEvent, GoldLabel
from annotation.services.assignment import assignment_next
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project():
    """k = 2; every second claim a control (answer JOY); pause below 0.7 after 3 controls."""
    project = ProjectFactory(
        slug="redo", overlap_k=2, control_rate=2, pause_floor=0.7, pause_min_controls=3
    )
    ClipFactory.create_batch(3, project=project)
    from annotation.services.controls import control_mark

    for i in range(10):
        control_mark(clip=ClipFactory(project=project, external_id=f"control-{i}"),
                     answer=JOY, actor=None)  # fmt: skip
    return project


def test_a_paused_annotators_labels_go_back_to_the_queue_gold_included(project):
    careless, careful = member(project, "annotator"), member(project, "annotator")
    answer(api_for(careless), "redo", [JOY, ANGER] * 3)  # three clips, three wrong controls
    with pytest.raises(Paused):
        assignment_next(user=careless, project=project)
    answer(api_for(careful), "redo", [JOY] * 5)  # the same three clips: unanimous gold
    real = Clip.objects.filter(project=project).exclude(stage="control")
    assert set(real.values_list("stage", flat=True)) == {"gold"}

    admin = api_for(member(project, "admin"))
    url = f"/api/projects/redo/annotators/{careless.pk}/withdraw/"
    assert api_for(careful).post(url, {}, format="json").status_code in (403, 404)
    response = admin.post(url, {}, format="json")
    assert response.status_code == 200, response.json()
    # Every control answer lay below the floor: all their labels, since the first.
    assert response.json() == {"since": None, "labels": 3, "reopened": 3}

    kept = Annotation.objects.filter(annotator=careless)
    assert kept.count() == 3  # nothing deleted
    assert not kept.filter(is_current=True).exists()
    assert not kept.filter(withdrawn_at__isnull=True).exists()
    assert set(real.values_list("stage", "layer1_count")) == {("layer1", 1)}
    assert not GoldLabel.objects.filter(clip__in=real, is_current=True).exists()
    assert GoldLabel.objects.filter(clip__in=real).count() == 3  # retired, kept
    event = AuditEvent.objects.get(action="labels.withdrawn")
    assert event.data["user"] == careless.pk and len(event.data["annotations"]) == 3

    # Another annotator gives the missing labels; the clips are decided again.
    fresh = member(project, "annotator")
    served = answer(api_for(fresh), "redo", [JOY] * 5)
    assert {c for c in served if not c.startswith("control")} == set(
        real.values_list("external_id", flat=True)
    )
    assert set(real.values_list("stage", flat=True)) == {"gold"}
    assert GoldLabel.objects.filter(clip__in=real, is_current=True).count() == 3
    # The withdrawn labels are in no decision: each gold is the two current labels.
    for clip in real:
        labels = Annotation.objects.filter(clip=clip, is_current=True)
        assert set(labels.values_list("annotator", flat=True)) == {careful.pk, fresh.pk}


def test_without_a_time_only_an_annotator_below_the_floor(project):
    careful = member(project, "annotator")
    before = timezone.now()
    answer(api_for(careful), "redo", [JOY] * 4)
    admin = api_for(member(project, "admin"))
    url = f"/api/projects/redo/annotators/{careful.pk}/withdraw/"
    refused = admin.post(url, {}, format="json")
    assert refused.status_code == 409, refused.json()
    assert Annotation.objects.filter(annotator=careful, is_current=True).count() == 2
    # Given a time, an admin withdraws what came after it, whatever the controls say.
    done = admin.post(url, {"since": before.isoformat()}, format="json")
    assert done.status_code == 200 and done.json()["labels"] == 2
    assert Annotation.objects.filter(annotator=careful, is_current=True).count() == 0


def test_a_withdrawn_monologue_label_takes_its_trace_out_of_agreement(project):
    """Trace agreement and routing's trace concordance read current finalised traces: a
    withdrawn label's trace must stop counting with it (kept, no longer current)."""
    from annotation.models import Trace
    from annotation.services.withdrawal import labels_withdraw

    user = member(project, "annotator")
    clip = ClipFactory(project=project, kind="stream", duration_s=4.0, layer1_count=1)
    label = Annotation.objects.create(
        clip=clip, annotator=user, status="submitted", is_current=True,
        payload={"segments": []}, submitted_at=timezone.now(),
    )  # fmt: skip
    trace = Trace.objects.create(
        clip=clip, annotator=user, annotation=label, config={"rate_hz": 25}, status="finalised"
    )
    before = timezone.now() - timezone.timedelta(minutes=1)
    labels_withdraw(project=project, user=user, actor=member(project, "admin"), since=before)
    trace.refresh_from_db()
    assert not trace.is_current
    assert Trace.objects.filter(pk=trace.pk).exists()  # kept


def _withdrawable(project):  # type: ignore[no-untyped-def]
    """A careless annotator below the floor whose three labels made gold with a careful
    one's; (careless, the three clips, the withdraw URL, an admin)."""
    careless, careful = member(project, "annotator"), member(project, "annotator")
    answer(api_for(careless), "redo", [JOY, ANGER] * 3)
    answer(api_for(careful), "redo", [JOY] * 5)
    real = Clip.objects.filter(project=project).exclude(stage="control")
    assert set(real.values_list("stage", "layer1_count")) == {("gold", 2)}
    url = f"/api/projects/redo/annotators/{careless.pk}/withdraw/"
    return careless, real, url, member(project, "admin")


def _withdrawn_once(real) -> None:  # type: ignore[no-untyped-def]
    assert set(real.values_list("stage", "layer1_count")) == {("layer1", 1)}
    assert AuditEvent.objects.filter(action="labels.withdrawn").count() == 1
    assert AuditEvent.objects.filter(action="gold.retired").count() == 3


def test_a_replayed_withdrawal_changes_nothing(project):
    """Found in review: a second POST (a retry, a double click) is answered, and changes no
    count and writes no second audit row."""
    _, real, url, admin = _withdrawable(project)
    assert api_for(admin).post(url, {}, format="json").json()["labels"] == 3
    again = api_for(admin).post(url, {}, format="json")
    assert again.status_code == 200, again.json()
    assert again.json() == {"since": None, "labels": 0, "reopened": 0}
    _withdrawn_once(real)


@pytest.mark.postgres
def test_two_withdrawals_at_once_withdraw_once(project):
    """Found in review: the clips were read before they were locked, so two POSTs at once
    both took one off each clip's count. Both queue behind a lock on the clips here."""
    _, real, url, admin = _withdrawable(project)

    def post() -> dict:
        return api_for(admin).post(url, {}, format="json").json()

    with held(real):
        both = Running(post, post)
        until(lambda: waiting_on_locks() >= 2)
    first, second = both.join()
    assert sorted([first["labels"], second["labels"]]) == [0, 3], (first, second)
    _withdrawn_once(real)
