"""What a second tab or device needs to know of an assignment (issue item 4): its state, the
draft's time (a newer draft than its own), the current annotation once submitted (what a
correction starts from), and the pages of the annotator's labels and their correction."""

import pytest
from rest_framework.test import APIClient

from annotation.models import Assignment
from annotation.schema import default_label_schema, primary_label_text
from annotation.selectors import assignment_annotation_id, current_annotations
from annotation.services.assignment import assignment_next
from annotation.services.submission import annotation_correct, annotation_submit
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 4}


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.default_format = "json"
    client.force_authenticate(user)
    return client


@pytest.fixture
def project():
    project = ProjectFactory(slug="demo")
    ClipFactory(project=project)
    return project


def test_the_draft_time_tells_a_newer_draft_from_ones_own(project):
    api = client_for(member(project, "annotator"))
    work = api.post("/api/projects/demo/next/").json()["assignment"]
    assert (work["draft_updated_at"], work["annotation"]) == (None, None)
    first = api.put(f"/api/assignments/{work['id']}/draft/", {"payload": {"basic7": "Joy"}})
    stamp = first.json()["updated_at"]
    seen = api.get(f"/api/assignments/{work['id']}/").json()
    assert seen["status"] == "active" and seen["draft_updated_at"] == stamp
    api.put(f"/api/assignments/{work['id']}/draft/", {"payload": {"basic7": "Fear"}})
    later = api.get(f"/api/assignments/{work['id']}/").json()
    assert later["draft_updated_at"] > stamp and later["draft"] == {"basic7": "Fear"}


def test_a_submitted_assignment_names_the_current_revision(project):
    user = member(project, "annotator")
    work = assignment_next(user=user, project=project)
    assert work is not None
    first = annotation_submit(assignment_id=work.pk, user=user, payload=LABELS)
    assert assignment_annotation_id(Assignment.objects.get(pk=work.pk)) == first.pk
    second = annotation_correct(
        annotation_id=first.pk, user=user, payload={**LABELS, "basic7": "Fear"}
    )
    body = client_for(user).get(f"/api/assignments/{work.pk}/").json()
    assert (body["status"], body["annotation"], body["draft"]) == ("submitted", second.pk, None)
    assert list(current_annotations(user, project)) == [second]

    detail = client_for(user).get(f"/api/annotations/{second.pk}/").json()
    assert detail["clip_detail"]["id"] == work.clip_id and detail["revision"] == 2


def test_a_draft_refused_after_a_submit_elsewhere_is_a_conflict(project):
    user = member(project, "annotator")
    api = client_for(user)
    work = api.post("/api/projects/demo/next/").json()["assignment"]
    submitted = api.post(f"/api/assignments/{work['id']}/submit/", {"payload": LABELS})
    assert submitted.status_code == 201
    late = api.put(f"/api/assignments/{work['id']}/draft/", {"payload": {"basic7": "Fear"}})
    assert late.status_code == 409
    again = api.post(
        f"/api/assignments/{work['id']}/submit/", {"payload": {**LABELS, "basic7": "Fear"}}
    )
    assert again.status_code == 409
    assert api.get(f"/api/assignments/{work['id']}/").json()["annotation"] is not None


def test_the_label_pages_are_the_annotators_own(project, client):
    owner = member(project, "annotator", "owner")
    work = assignment_next(user=owner, project=project)
    assert work is not None
    first = annotation_submit(assignment_id=work.pk, user=owner, payload=LABELS)
    second = annotation_correct(
        annotation_id=first.pk, user=owner, payload={**LABELS, "intensity": 2}
    )
    client.force_login(owner)
    mine = client.get("/projects/demo/mine")
    assert mine.status_code == 200
    assert f"/projects/demo/annotations/{second.pk}/correct".encode() in mine.content
    assert f"/annotations/{first.pk}/correct".encode() not in mine.content  # not in force
    assert b"<td>Joy</td>" in mine.content
    assert client.get(f"/projects/demo/annotations/{second.pk}/correct").status_code == 200
    old = client.get(f"/projects/demo/annotations/{first.pk}/correct")
    assert old.status_code == 302 and old["Location"].endswith(f"/{second.pk}/correct")

    for other in (member(project, "annotator"), member(project, "admin")):
        client.force_login(other)
        assert client.get(f"/projects/demo/annotations/{second.pk}/correct").status_code == 404
    assert client.get("/projects/demo/mine").status_code == 403  # the admin labels nothing


def test_the_list_names_a_static_clips_label_in_the_readers_language():
    schema = default_label_schema()
    assert primary_label_text(schema, {"basic7": "Sadness"}, "zh-hans") == "伤心"
    assert primary_label_text(schema, {"basic7": "Sadness"}, "en") == "Sadness"
    assert primary_label_text(schema, {"segments": []}, "en") == ""
