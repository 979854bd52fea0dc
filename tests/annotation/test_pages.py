"""Media is served by Django in embedded mode, and only to the project's members (who may
have which file: tests/security/test_media_access.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotation.models import Assignment, Project, Role
from annotation.services.projects import membership_grant
from clips.models import Clip

pytestmark = pytest.mark.django_db


def test_media_needs_a_project_member(client, media_root):
    project = Project.objects.create(slug="p", name="P")
    clip = Clip.objects.create(project=project, external_id="c")
    clip.poster.name = f"clips/{project.pk}/{clip.pk}/poster.jpg"
    clip.save()
    path = media_root / clip.poster.name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff")
    url = f"/media/{clip.poster.name}"

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    user = get_user_model().objects.create_user("u")
    client.force_login(user)
    assert client.get(url).status_code == 404  # signed in, but not a member
    assert client.get("/media/tmp/x").status_code == 404  # work folders are never served

    membership_grant(project=project, user=user, roles=[Role.ANNOTATOR])
    assert client.get(url).status_code == 404  # an annotator, but not of this clip
    later = timezone.now() + timedelta(minutes=5)
    Assignment.objects.create(clip=clip, user=user, expires_at=later)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff"


def test_home_lists_only_the_users_projects(client):
    Project.objects.create(slug="theirs", name="Theirs")
    client.force_login(get_user_model().objects.create_user("u"))
    assert b"Theirs" not in client.get("/").content


def test_media_answers_range_requests(client, media_root):
    project = Project.objects.create(slug="r", name="R")
    clip = Clip.objects.create(project=project, external_id="c")
    clip.media_file.name = f"clips/{project.pk}/{clip.pk}/video.mp4"
    clip.save()
    path = media_root / clip.media_file.name
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)) * 4)
    user = get_user_model().objects.create_user("viewer")
    membership_grant(project=project, user=user, roles=[Role.ADJUDICATOR])
    client.force_login(user)
    url = f"/media/clips/{project.pk}/{clip.pk}/video.mp4"

    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 10-19/1024"
    assert b"".join(part.streaming_content) == bytes(range(10, 20))
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == bytes(range(252, 256))
    open_ended = client.get(url, HTTP_RANGE="bytes=1000-")
    assert open_ended["Content-Range"] == "bytes 1000-1023/1024"
    assert client.get(url, HTTP_RANGE="bytes=5000-").status_code == 416
    assert client.get(f"/media/clips/{project.pk}/{clip.pk}/../../../secret").status_code == 404


def test_admins_see_the_releases_on_the_project_page(client):
    from exports.models import Release

    project = Project.objects.create(slug="rel", name="Rel")
    Release.objects.create(
        project=project, major=1, minor=2, patch=0, status="failed", error="disk full"
    )
    admin = get_user_model().objects.create_user("boss")
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])
    annotator = get_user_model().objects.create_user("ann")
    membership_grant(project=project, user=annotator, roles=[Role.ANNOTATOR])
    client.force_login(admin)
    page = client.get("/projects/rel/clips").content.decode()
    assert 'data-release="1.2.0"' in page and "disk full" in page
    client.force_login(annotator)
    assert 'data-release="1.2.0"' not in client.get("/projects/rel/clips").content.decode()


def test_the_favicon_every_browser_asks_for_is_there(client):
    """/favicon.ico was a 404 on every page."""
    import xml.etree.ElementTree as ET

    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=86400" in response["Cache-Control"]
    assert ET.fromstring(response.content).tag == "{http://www.w3.org/2000/svg}svg"
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in page


def test_home_offers_each_member_what_their_roles_open(client):
    """It offered "Start annotating" (a 403) to adjudicators and admins, and no way to the
    adjudication page or the dashboard."""
    from annotation.models import Membership

    project = Project.objects.create(slug="roles", name="Roles")
    links = {
        "annotator": "/projects/roles/work",
        "adjudicator": "/projects/roles/adjudicate",
        "admin": "/projects/roles/dashboard",
    }
    for role, link in links.items():
        user = get_user_model().objects.create_user(f"only-{role}")
        Membership.objects.create(project=project, user=user, role=role)
        client.force_login(user)
        page = client.get("/").content.decode()
        assert f'href="{link}"' in page, role
        for other in set(links.values()) - {link}:
            assert f'href="{other}"' not in page, (role, other)
        assert client.get(link).status_code == 200, role


def test_the_signed_out_landing_says_what_the_site_is(client):
    page = client.get("/").content.decode()
    assert "adjudicators resolve" in page and 'href="/accounts/login/"' in page
    refused = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert 'role="alert" class="form-error"' in refused.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "1 Failed, 2 Ready"), ("zh-hans", "失败 1 个, 就绪 2 个")]
)
def test_clip_counts_use_status_words_of_the_readers_language(client, language, expected):
    """The counts printed the stored values ("ready 6 个")."""
    from annotation.models import Membership

    project = Project.objects.create(slug="words", name="Words")
    for i, status in enumerate(["ready", "ready", "failed"]):
        Clip.objects.create(project=project, external_id=f"w{i}", media_status=status,
                            duration_s=1.0)  # fmt: skip
    user = get_user_model().objects.create_user("reader")
    Membership.objects.create(project=project, user=user, role="annotator")
    client.force_login(user)
    page = client.get("/projects/words/clips", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page
