"""Qualification rounds (issue 19, item 2), over the API: an annotator who has not passed gets
only control items until N are answered; the result is kept; a failed annotator gets no real
clip and is told why; an admin opens a new round."""

import pytest
from control_steps import ANGER, JOY, answer, api_for

from annotation.models import Annotation, AuditEvent, ControlAnswer, Qualification
from annotation.services.controls import control_mark
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project():
    """Qualification: 4 controls, 3 right to pass (0.75); 8 controls, 5 real clips."""
    project = ProjectFactory(slug="qualified", qualification_controls=4, qualification_pass=0.75)
    ClipFactory.create_batch(5, project=project)
    for i in range(8):
        control_mark(clip=ClipFactory(project=project, external_id=f"control-{i}"), answer=JOY,
                     actor=None)  # fmt: skip
    return project


def test_a_passed_round_is_kept_and_real_clips_follow(project):
    user = member(project, "annotator")
    api = api_for(user)
    assert api.get("/api/projects/qualified/qualification/").json() == {"qualification": None}
    served = answer(api, "qualified", [JOY, JOY, ANGER, JOY])
    assert all(s.startswith("control-") for s in served)
    mine = api.get("/api/projects/qualified/qualification/").json()["qualification"]
    assert (mine["status"], mine["correct"], mine["answered"], mine["needed"]) == (
        "passed", 3, 4, 3,
    )  # fmt: skip
    assert mine["score"] == 0.75 and mine["finished_at"] is not None
    assert not answer(api, "qualified", [JOY])[0].startswith("control-")
    assert Annotation.objects.filter(annotator=user).count() == 1
    assert ControlAnswer.objects.filter(user=user, qualification__isnull=False).count() == 4


def test_a_failed_annotator_gets_no_real_clip_and_sees_why(project):
    api = api_for(member(project, "annotator"))
    answer(api, "qualified", [JOY, ANGER, ANGER, JOY])
    got = api.post("/api/projects/qualified/next/").json()
    assert got["assignment"] is None
    assert "did not pass" in got["reason"] and "2 of 4" in got["reason"]
    assert "3 needed" in got["reason"]
    assert (
        api.get("/api/projects/qualified/qualification/").json()["qualification"]["status"]
        == "failed"
    )
    assert AuditEvent.objects.filter(action="qualification.failed").count() == 1


def test_an_admin_opens_a_new_round_and_the_annotator_can_pass_it(project):
    user = member(project, "annotator")
    api, admin = api_for(user), api_for(member(project, "admin"))
    answer(api, "qualified", [ANGER] * 4)
    assert api.post(f"/api/projects/qualified/qualifications/{user.pk}/").status_code == 403
    reopened = admin.post(f"/api/projects/qualified/qualifications/{user.pk}/")
    assert reopened.status_code == 201 and reopened.json()["round"] == 2
    again = admin.post(f"/api/projects/qualified/qualifications/{user.pk}/")
    assert again.status_code == 409  # still running
    served = answer(api, "qualified", [JOY] * 4)
    assert all(s.startswith("control-") for s in served)
    first_round = {f"control-{i}" for i in range(4)}
    assert not first_round & set(served)  # never the same control twice
    rounds = admin.get("/api/projects/qualified/qualifications/").json()
    assert [(r["round"], r["status"]) for r in rounds] == [(2, "passed"), (1, "failed")]
    assert not answer(api, "qualified", [JOY])[0].startswith("control-")
    assert Qualification.objects.get(round=2).opened_by.username != user.username


def test_without_controls_left_the_round_says_so(project):
    user = member(project, "annotator")
    project.clips.filter(external_id__in=[f"control-{i}" for i in range(2, 8)]).update(
        media_status="failed"
    )
    api = api_for(user)
    answer(api, "qualified", [JOY, JOY])
    got = api.post("/api/projects/qualified/next/").json()
    assert got["assignment"] is None and "2 more control items" in got["reason"]


def test_no_round_by_default():
    project = ProjectFactory(slug="qualified")
    ClipFactory(project=project)
    api = api_for(member(project, "annotator"))
    assert not answer(api, "qualified", [JOY])[0].startswith("control-")
    assert not Qualification.objects.exists()


def test_the_round_is_a_project_setting(project):
    admin = api_for(member(project, "admin"))
    url = "/api/projects/qualified/settings/"
    assert admin.patch(url, {"qualification_pass": 1.5}, format="json").status_code == 400
    changed = admin.patch(url, {"qualification_controls": 10, "qualification_pass": 0.9},
                          format="json").json()  # fmt: skip
    assert (changed["qualification_controls"], changed["qualification_pass"]) == (10, 0.9)
