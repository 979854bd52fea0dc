"""Admins run a project from the API and the pages: create it from a preset, edit and
archive it, bring people in (by username, e-mail or invitation), set and take away roles."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import Annotation, Assignment, AuditEvent, Membership, Project
from factories import ClipFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # invitations are sent on commit


def api(user) -> APIClient:
    client = APIClient()
    client.default_format = "json"  # the API takes JSON only
    client.force_authenticate(user)
    return client


@pytest.fixture
def creator():
    user = UserFactory(username="creator")
    user.user_permissions.add(Permission.objects.get(codename="add_project"))
    return user


def test_a_project_is_created_from_a_preset_and_its_creator_admins_it(creator):
    response = api(creator).post(
        "/api/projects/",
        {"preset": "emos-streaming", "name": "Films", "slug": "films", "per_user_cap": 40},
        format="json",
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get(slug="films")
    assert (project.lease_minutes, project.per_user_cap, project.overlap_k) == (90, 40, 3)
    assert response.json()["roles"] == ["admin"]
    assert AuditEvent.objects.get(action="project.created").data["preset"] == "emos-streaming"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Not a slug"}, "slug"),
        ({"overlap_k": 0}, "overlap_k"),
        ({"routing_rule": {"aggregator": "vote"}}, "routing_rule.aggregator"),
        ({"preset": "nonsense"}, "preset"),
    ],
)
def test_creating_validates_as_the_settings_panel_does(creator, body, field):
    response = api(creator).post(
        "/api/projects/", {"name": "X", "slug": "x", **body}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not Project.objects.filter(name="X").exists()


def test_a_taken_slug_is_refused_when_creating_and_renaming(creator):
    ProjectFactory(slug="taken")
    response = api(creator).post("/api/projects/", {"name": "T", "slug": "taken"}, format="json")
    assert (response.status_code, response.json()["error"]["field"]) == (400, "slug")
    mine = api(creator).post("/api/projects/", {"name": "M", "slug": "mine"}, format="json")
    assert mine.status_code == 201
    clash = api(creator).patch("/api/projects/mine/settings/", {"slug": "taken"}, format="json")
    assert clash.status_code == 400
    renamed = api(creator).patch(
        "/api/projects/mine/settings/", {"slug": "ours", "name": "Ours"}, format="json"
    )
    assert renamed.json()["slug"] == "ours" and Project.objects.get(slug="ours").name == "Ours"


def test_an_archived_project_takes_no_claims_and_only_its_admins_see_it():
    project = ProjectFactory(slug="old")
    ClipFactory(project=project)
    admin, annotator = member(project, "admin"), member(project, "annotator")
    Membership.objects.create(project=project, user=admin, role="annotator")
    judge = member(project, "adjudicator")
    archived = api(admin).post("/api/projects/old/archive/", {"archived": True})
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None

    for user in (annotator, judge):
        assert api(user).get("/api/projects/").json()["results"] == []
        assert api(user).post("/api/projects/old/next/").status_code == 404
        page = Client()
        page.force_login(user)
        assert "old" not in page.get("/").content.decode()
    claim = api(admin).post("/api/projects/old/next/")  # an admin who also annotates
    assert claim.status_code == 409 and "archived" in claim.json()["error"]["message"]
    assert [p["slug"] for p in api(admin).get("/api/projects/").json()["results"]] == ["old"]

    api(admin).post("/api/projects/old/archive/", {"archived": False})
    assert api(annotator).post("/api/projects/old/next/").json()["assignment"] is not None


def test_members_are_added_by_username_or_e_mail_and_roles_are_set():
    project = ProjectFactory(slug="p")
    admin = member(project, "admin", "boss")
    UserFactory(username="ann", email="Ann@Example.org")
    client = api(admin)

    by_name = client.post("/api/projects/p/members/", {"who": "ann", "roles": ["annotator"]})
    assert by_name.status_code == 201 and by_name.json()["invited"] is False
    by_mail = client.post(
        "/api/projects/p/members/",
        {"who": "ann@example.org", "roles": ["annotator", "adjudicator"]},
        format="json",
    )
    assert by_mail.json()["member"]["roles"] == ["annotator", "adjudicator"]
    ann_id = by_mail.json()["member"]["id"]

    only_judge = client.patch(f"/api/projects/p/members/{ann_id}/", {"roles": ["adjudicator"]})
    assert only_judge.json()["roles"] == ["adjudicator"]
    gone = client.patch(f"/api/projects/p/members/{ann_id}/", {"roles": []}, format="json")
    assert gone.json()["active"] is False
    assert api(get_user_model().objects.get(pk=ann_id)).get("/api/projects/p/").status_code == 404
    assert Membership.objects.filter(user_id=ann_id).count() == 2  # kept, with their history
    assert AuditEvent.objects.filter(action="project.roles_changed").count() == 4

    unknown = client.post("/api/projects/p/members/", {"who": "nobody", "roles": ["annotator"]})
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (400, "who")
    no_role = client.post("/api/projects/p/members/", {"who": "ann", "roles": []}, format="json")
    assert no_role.status_code == 400


def test_the_last_admin_stays():
    project = ProjectFactory(slug="p")
    admin = member(project, "admin")
    demote = api(admin).patch(
        f"/api/projects/p/members/{admin.pk}/", {"roles": ["annotator"]}, format="json"
    )
    assert demote.status_code == 409
    assert Membership.objects.get(user=admin, role="admin").is_active


def test_an_invitation_lets_the_invitee_set_a_password_and_sign_in():
    project = ProjectFactory(slug="p", name="Pilot")
    admin = member(project, "admin", "boss")
    response = api(admin).post(
        "/api/projects/p/members/", {"who": "new@example.org", "roles": ["annotator"]},
        format="json",
    )  # fmt: skip
    assert response.json()["invited"] is True
    (message,) = mail.outbox
    assert message.to == ["new@example.org"] and "Pilot" in message.subject
    link = re.search(r"https?://\S+", message.body)
    assert link is not None
    invitee = get_user_model().objects.get(username="new@example.org")
    assert not invitee.has_usable_password()

    browser = Client()
    form = browser.get(link.group(0), follow=True)  # Django moves the token into the session
    assert form.status_code == 200
    done = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-phrase-42", "new_password2": "a-long-pass-phrase-42"},
    )
    assert done.status_code == 302
    assert browser.login(username="new@example.org", password="a-long-pass-phrase-42")
    assert browser.get("/projects/p/work").status_code == 200
    assert browser.get(link.group(0), follow=True).context["validlink"] is False  # used up


def test_an_admin_of_one_project_cannot_see_or_manage_the_people_of_another():
    mine, theirs = ProjectFactory(slug="mine"), ProjectFactory(slug="theirs")
    attacker = member(mine, "admin", "attacker")
    victim = member(theirs, "annotator", "victim")
    client = api(attacker)
    assert client.get("/api/projects/theirs/members/").status_code == 404
    assert (
        client.post(
            "/api/projects/theirs/members/", {"who": "attacker", "roles": ["admin"]}
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/projects/theirs/members/{victim.pk}/", {"roles": []}, format="json"
        ).status_code
        == 404
    )
    # Nor through their own project: the victim is no member of it.
    assert (
        client.patch(
            f"/api/projects/mine/members/{victim.pk}/", {"roles": ["annotator"]}, format="json"
        ).status_code
        == 404
    )
    assert client.post("/api/projects/theirs/archive/", {"archived": True}).status_code == 404
    page = Client()
    page.force_login(attacker)
    for url in ("/projects/theirs/people", "/projects/theirs/settings"):
        assert page.get(url).status_code == 404
    assert Membership.objects.get(user=victim).is_active


def test_the_member_list_shows_roles_last_activity_and_throughput():
    project = ProjectFactory(slug="p")
    admin = member(project, "admin", "boss")
    worker = member(project, "annotator", "worker")
    Membership.objects.create(project=project, user=worker, role="adjudicator")
    long_ago = timezone.now() - timedelta(days=30)
    for when in (long_ago, timezone.now()):
        clip = ClipFactory(project=project)
        assignment = Assignment.objects.create(
            clip=clip, user=worker, status="submitted", expires_at=when
        )
        Annotation.objects.create(
            clip=clip, annotator=worker, assignment=assignment, status="submitted",
            is_current=True, payload={}, submitted_at=when,
        )  # fmt: skip
    rows = {m["username"]: m for m in api(admin).get("/api/projects/p/members/").json()}
    assert rows["worker"]["roles"] == ["annotator", "adjudicator"]
    assert (rows["worker"]["labels"], rows["worker"]["labels_7_days"]) == (2, 1)
    assert rows["worker"]["last_activity"] is not None
    assert rows["boss"]["roles"] == ["admin"] and rows["boss"]["labels"] == 0


def test_the_pages_create_edit_archive_and_manage_people(creator):
    client = Client()
    client.force_login(creator)
    form = client.get("/projects/new?preset=emos-static")
    assert form.status_code == 200 and 'value="0.9"' in form.content.decode()
    bad = client.post(
        "/projects/new",
        {"preset": "emos-static", "name": "Pilot", "slug": "pilot", "overlap_k": "3",
         "lease_minutes": "30", "aggregator": "majority", "min_confidence": "2",
         "medium_confidence": "0.8"},
    )  # fmt: skip
    assert bad.status_code == 400 and "routing_rule.min_confidence" in bad.content.decode()
    created = client.post(
        "/projects/new",
        {"preset": "emos-static", "name": "Pilot", "slug": "pilot", "overlap_k": "3",
         "lease_minutes": "30", "aggregator": "majority", "accept_unanimous": "on",
         "min_confidence": "0.9", "medium_confidence": "0.8"},
    )  # fmt: skip
    assert created.status_code == 302 and created["Location"] == "/projects/pilot/people"
    project = Project.objects.get(slug="pilot")

    saved = client.post(
        "/projects/pilot/settings",
        {"name": "Pilot 2", "slug": "pilot", "overlap_k": "5", "lease_minutes": "30",
         "control_rate": "20", "qualification_controls": "5", "qualification_pass": "0.6",
         "aggregator": "dawid_skene", "min_confidence": "0.9",
         "medium_confidence": "0.8"},
    )  # fmt: skip
    assert saved.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.overlap_k, project.routing_rule["aggregator"]) == (
        "Pilot 2", 5, "dawid_skene",
    )  # fmt: skip
    assert (project.control_rate, project.qualification_controls) == (20, 5)
    assert project.qualification_pass == 0.6
    assert project.routing_rule["accept_unanimous"] is False

    added = client.post("/projects/pilot/people", {"who": "x@example.org", "roles": ["annotator"]})
    assert added.status_code == 302 and len(mail.outbox) == 1
    invitee = get_user_model().objects.get(username="x@example.org")
    client.post(f"/projects/pilot/people/{invitee.pk}", {"roles": ["annotator", "adjudicator"]})
    page = client.get("/projects/pilot/people").content.decode()
    assert "x@example.org" in page and "invited, has not set a password yet" in page
    assert set(Membership.objects.filter(user=invitee, is_active=True).values_list(
        "role", flat=True)) == {"annotator", "adjudicator"}  # fmt: skip
    client.post(f"/projects/pilot/people/{invitee.pk}", {"deactivate": "1"})
    assert not Membership.objects.filter(user=invitee, is_active=True).exists()

    client.post("/projects/pilot/archive", {"archived": "1"})
    project.refresh_from_db()
    assert project.archived_at is not None


def test_managing_pages_are_for_admins_and_creating_for_those_allowed():
    project = ProjectFactory(slug="p")
    annotator = member(project, "annotator")
    client = Client()
    client.force_login(annotator)
    for url in ("/projects/p/people", "/projects/p/settings", "/projects/new"):
        assert client.get(url).status_code == 403, url
    assert client.post("/projects/p/archive", {"archived": "1"}).status_code == 403


def test_the_custom_preset_takes_a_label_schema_as_json(creator):
    client = Client()
    client.force_login(creator)
    form = client.get("/projects/new?preset=custom").content.decode()
    assert 'name="label_schema"' in form
    fields = {
        "preset": "custom", "name": "Own", "slug": "own", "overlap_k": "2",
        "lease_minutes": "30", "aggregator": "majority", "min_confidence": "0.9",
        "medium_confidence": "0.8",
    }  # fmt: skip
    broken = client.post("/projects/new", {**fields, "label_schema": "{not json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.content.decode()
    schema = Project().label_schema
    schema["layers"][0]["labels"] = schema["layers"][0]["labels"][:3]  # a smaller Basic-7
    made = client.post("/projects/new", {**fields, "label_schema": json.dumps(schema)})
    assert made.status_code == 302
    assert Project.objects.get(slug="own").label_schema == schema


def test_role_names_are_in_the_readers_language():
    """Was: the people page said Adjudicator and Admin in English on the Chinese page."""
    project = ProjectFactory(slug="p")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(member(project, "admin", "boss"))
    page = client.get("/projects/p/people").content.decode()
    assert all(name in page for name in ("标注者", "裁决者", "管理员")), page
    assert not any(f"> {name}</label>" in page for name in ("Adjudicator", "Admin"))


@pytest.mark.postgres
def test_two_settings_changes_at_once_keep_both():
    """Found in review: a settings change saved every field of the project as it had read
    it, so a change committed meanwhile (another admin's, in another field) was undone."""
    import threading

    from django.db import transaction
    from locks import Running, until, waiting_on_locks

    from annotation.services.projects import project_settings_update

    project = ProjectFactory(lease_minutes=30)
    admin = member(project, "admin")
    stale = Project.objects.get(pk=project.pk)
    saved, release = threading.Event(), threading.Event()

    def lease() -> None:
        with transaction.atomic():
            project_settings_update(project=project, actor=admin, changes={"lease_minutes": 45})
            saved.set()
            release.wait()

    first = Running(lease)
    saved.wait()
    second = Running(
        lambda: project_settings_update(project=stale, actor=admin, changes={"per_user_cap": 5})
    )
    until(lambda: waiting_on_locks() >= 1 or not second.alive())
    release.set()
    first.join()
    (after,) = second.join()
    project.refresh_from_db()
    assert (project.lease_minutes, project.per_user_cap) == (45, 5)
    assert (after.lease_minutes, after.per_user_cap) == (45, 5)  # the row as saved
