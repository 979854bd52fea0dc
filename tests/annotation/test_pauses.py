"""Live annotator quality and the pause (issue 19, item 3): the figures from control answers
on the dashboard's annotators panel, the floor that pauses an annotator (claims refused with
the interval and the floor), admins seeing and lifting the pause (audited)."""

import pytest
from control_steps import ANGER, JOY, answer, api_for
from locks import Running, held, until, waiting_on_locks

from annotation.models import AnnotatorPause, AuditEvent
from annotation.quality.live import wilson_interval
from annotation.selectors.quality import live_quality
from annotation.services.controls import control_mark
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project():
    """Every claim a control (rate 1) among 30; pause below 0.7 after 10 controls."""
    project = ProjectFactory(slug="watched", control_rate=1, pause_floor=0.7, pause_min_controls=10)
    ClipFactory.create_batch(3, project=project)
    for i in range(30):
        control_mark(clip=ClipFactory(project=project, external_id=f"control-{i:02d}"),
                     answer=JOY, actor=None)  # fmt: skip
    return project


def test_the_figures_follow_the_answers(project):
    user = member(project, "annotator")
    answer(api_for(user), "watched", [JOY] * 7 + [ANGER] * 3)
    quality = live_quality(project)[user.pk]
    assert (quality.controls, quality.controls_correct) == (10, 7)
    rows = api_for(member(project, "admin")).get("/api/projects/watched/dashboard/annotators/")
    (row,) = [r for r in rows.json()["annotators"] if r["username"] == user.username]
    expected = wilson_interval(7, 10)
    assert row["controls"] == 10 and row["control_accuracy"] == pytest.approx(0.7)
    assert row["control_interval"] == pytest.approx([expected.low, expected.high])
    assert row["submitted"] == 0 and row["paused"] is None  # controls are no labels
    assert 0 < row["live_entropy"] < 1 and row["median_seconds"] >= 0


def test_a_spammer_is_paused_and_told_why_and_an_admin_lifts_it(project):
    spammer = member(project, "annotator")
    api = api_for(spammer)
    answer(api, "watched", [ANGER] * 9)
    assert not AnnotatorPause.objects.exists()  # fewer than min_controls: not judged yet
    answer(api, "watched", [ANGER])
    refused = api.post("/api/projects/watched/next/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "paused"
    message = refused.json()["error"]["message"]
    assert "0 of 10" in message and "70%" in message  # the count, and the floor
    high = wilson_interval(0, 10).high
    assert f"0%–{high:.0%}" in message  # the interval

    admin = api_for(member(project, "admin"))
    listed = admin.get("/api/projects/watched/pauses/").json()
    assert [(p["username"], p["controls"]) for p in listed] == [(spammer.username, 10)]
    row = next(r for r in admin.get("/api/projects/watched/dashboard/annotators/").json()[
        "annotators"] if r["username"] == spammer.username)  # fmt: skip
    assert row["paused"]["floor"] == 0.7
    assert api.post(f"/api/projects/watched/pauses/{spammer.pk}/lift/").status_code == 403
    lifted = admin.post(f"/api/projects/watched/pauses/{spammer.pk}/lift/")
    assert lifted.status_code == 200 and lifted.json()["lifted_at"] is not None
    assert AuditEvent.objects.filter(action="annotator.pause_lifted").count() == 1
    assert admin.get("/api/projects/watched/pauses/").json() == []
    # A fresh start: the rule counts only what comes after the lift.
    answer(api, "watched", [JOY] * 10)
    assert api.post("/api/projects/watched/next/").status_code == 200


def test_a_good_annotator_is_not_paused(project):
    api = api_for(member(project, "annotator"))
    answer(api, "watched", [JOY, JOY, ANGER] * 4)
    assert api.post("/api/projects/watched/next/").status_code == 200
    assert not AnnotatorPause.objects.exists()


def test_no_pause_by_default():
    project = ProjectFactory(slug="watched", control_rate=1)
    for i in range(12):
        control_mark(clip=ClipFactory(project=project, external_id=f"c{i}"), answer=JOY,
                     actor=None)  # fmt: skip
    api = api_for(member(project, "annotator"))
    answer(api, "watched", [ANGER] * 11)
    assert api.post("/api/projects/watched/next/").status_code == 200


def test_the_rule_is_a_project_setting(project):
    admin = api_for(member(project, "admin"))
    url = "/api/projects/watched/settings/"
    assert admin.patch(url, {"pause_min_controls": 0}, format="json").status_code == 400
    changed = admin.patch(url, {"pause_floor": 0.6}, format="json").json()
    assert (changed["pause_floor"], changed["pause_min_controls"]) == (0.6, 10)


@pytest.mark.postgres
def test_two_lifts_at_once_lift_once(project):
    """Found in review: the lift read the open pause, then saved it: two POSTs at once (a
    double click) both lifted it, each audited, the second overwriting who lifted it. The
    second is now told the annotator is not paused."""
    spammer = member(project, "annotator")
    answer(api_for(spammer), "watched", [ANGER] * 10)
    pause = AnnotatorPause.objects.get(user=spammer)
    admins = [member(project, "admin") for _ in range(2)]
    url = f"/api/projects/watched/pauses/{spammer.pk}/lift/"

    def lift(admin):  # type: ignore[no-untyped-def]
        return lambda: api_for(admin).post(url).status_code

    with held(AnnotatorPause.objects.filter(pk=pause.pk)):
        both = Running(*(lift(admin) for admin in admins))
        until(lambda: waiting_on_locks() >= 2 or not both.alive())
    assert sorted(both.join()) == [200, 409]
    assert AuditEvent.objects.filter(action="annotator.pause_lifted").count() == 1
