"""Media is served by Django in embedded mode, and only to the project's members."""

import pytest
from django.contrib.auth import get_user_model

from annotation.models import Project, Role
from annotation.services.projects import membership_grant
from clips.models import Clip

pytestmark = pytest.mark.django_db


def test_media_needs_a_project_member(client, media_root):
    project = Project.objects.create(slug="p", name="P")
    clip = Clip.objects.create(project=project, external_id="c")
    path = media_root / "clips" / str(project.pk) / str(clip.pk) / "poster.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff")
    url = f"/media/clips/{project.pk}/{clip.pk}/poster.jpg"

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    user = get_user_model().objects.create_user("u")
    client.force_login(user)
    assert client.get(url).status_code == 404  # signed in, but not a member
    assert client.get("/media/tmp/x").status_code == 404  # work folders are never served

    membership_grant(project=project, user=user, roles=[Role.ANNOTATOR])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff"


def test_home_lists_only_the_users_projects(client):
    Project.objects.create(slug="theirs", name="Theirs")
    client.force_login(get_user_model().objects.create_user("u"))
    assert b"Theirs" not in client.get("/").content
