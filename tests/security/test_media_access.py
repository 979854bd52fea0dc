"""`/media/`: access is decided on the object a file belongs to (a clip or a release, looked up
in the database), never on the URL's spelling. Every traversal spelling reported, and a
generated family of them, against clip media and release files, for every role."""

import http.client
import itertools
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from annotation.models import Annotation, Assignment, Membership, Role
from clips.models import Clip
from exports.models import Release
from factories import ClipFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db

SECRET = b"gold labels of project A"


def _file(root, name: str, content: bytes) -> str:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


def _clip(root, project, **kwargs) -> Clip:
    clip = ClipFactory(project=project, **kwargs)
    base = f"clips/{project.pk}/{clip.pk}"
    clip.media_file = _file(root, f"{base}/video.mp4", f"video {clip.pk}".encode())
    clip.poster = _file(root, f"{base}/poster.jpg", f"poster {clip.pk}".encode())
    clip.waveform = _file(root, f"{base}/waveform.json", b"[]")
    clip.save()
    return clip


@pytest.fixture
def world(media_root):
    """Project A (a published release, clips held by some) and project B; one user per role."""
    a, b = ProjectFactory(slug="a"), ProjectFactory(slug="b")
    users = {
        "admin_a": member(a, Role.ADMIN, "admin_a"),
        "judge_a": member(a, Role.ADJUDICATOR, "judge_a"),
        "ann_a": member(a, Role.ANNOTATOR, "ann_a"),
        "ann_b": member(b, Role.ANNOTATOR, "ann_b"),
        "admin_b": member(b, Role.ADMIN, "admin_b"),
        "dual_a": member(a, Role.ANNOTATOR, "dual_a"),
        "staff": UserFactory(username="staff", is_staff=True),
        "gone_a": member(a, Role.ANNOTATOR, "gone_a"),
    }
    Membership.objects.create(project=a, user=users["dual_a"], role=Role.ADJUDICATOR)
    held, other, b_clip = _clip(media_root, a), _clip(media_root, a), _clip(media_root, b)
    later = timezone.now() + timedelta(minutes=30)
    for name in ("ann_a", "dual_a", "gone_a"):
        Assignment.objects.create(clip=held, user=users[name], expires_at=later)
    Assignment.objects.create(clip=b_clip, user=users["ann_b"], expires_at=later)
    Membership.objects.filter(user=users["gone_a"]).update(is_active=False)
    Annotation.objects.create(
        clip=held, annotator=users["judge_a"], status="submitted", is_current=True, payload={}
    )  # the judge labelled nothing they may not see; media of a clip is no label
    release = Release.objects.create(
        project=a,
        major=1,
        minor=0,
        patch=0,
        status="published",
        published_at=timezone.now(),
        archive_path=_file(media_root, "releases/a/a-1.0.0.tar.gz", SECRET),
    )
    _file(media_root, "releases/a/1.0.0/README.md", SECRET)
    _file(media_root, "releases/a/1.0.0/gold.jsonl", SECRET)
    _file(media_root, "releases/a/1.0.0/media/x/video.mp4", SECRET)
    Release.objects.create(project=a, major=1, minor=1, patch=0, status="building")
    _file(media_root, "releases/a/1.1.0/gold.jsonl", SECRET)  # not published yet
    return {"a": a, "b": b, "users": users, "held": held, "other": other, "b_clip": b_clip,
            "release": release}  # fmt: skip


def _get(client, user, url: str):
    client.force_login(user)
    return client.get(url)


def _names(world):
    held, other, b_clip = world["held"], world["other"], world["b_clip"]
    return {
        "held": held.media_file.name,
        "held_poster": held.poster.name,
        "held_waveform": held.waveform.name,
        "other": other.media_file.name,
        "b_clip": b_clip.media_file.name,
        "archive": "releases/a/a-1.0.0.tar.gz",
        "readme": "releases/a/1.0.0/README.md",
        "gold": "releases/a/1.0.0/gold.jsonl",
        "release_media": "releases/a/1.0.0/media/x/video.mp4",
        "unpublished": "releases/a/1.1.0/gold.jsonl",
    }


ALLOWED = {
    # who may fetch which file; anything else is a 404
    "admin_a": {"held", "held_poster", "held_waveform", "other", "archive", "readme", "gold",
                "release_media"},
    "judge_a": {"held", "held_poster", "held_waveform", "other"},
    "dual_a": {"held", "held_poster", "held_waveform", "other"},
    "ann_a": {"held", "held_poster", "held_waveform"},  # never held "other"
    "ann_b": {"b_clip"},
    "admin_b": {"b_clip"},
    "staff": set(),  # staff status is for the Django admin only
    "gone_a": set(),  # a deactivated member gets nothing
}  # fmt: skip


@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_each_role_reaches_exactly_its_files(client, world, who):
    user = world["users"][who]
    for key, name in _names(world).items():
        response = _get(client, user, f"/media/{name}")
        expected = 200 if key in ALLOWED[who] else 404
        assert response.status_code == expected, (who, key, name)


@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_behind_nginx_the_same_files_leave_by_x_accel_redirect(client, world, who, settings):
    """MEDIA_ACCEL_REDIRECT: the same decision, then nginx sends the bytes (no body here)."""
    settings.MEDIA_ACCEL_REDIRECT = "/protected/"
    user = world["users"][who]
    for key, name in _names(world).items():
        response = _get(client, user, f"/media/{name}")
        if key in ALLOWED[who]:
            assert response.status_code == 200, (who, key)
            assert response["X-Accel-Redirect"] == f"/protected/{name}"
            assert response.content == b""
        else:
            assert response.status_code == 404, (who, key)
            assert "X-Accel-Redirect" not in response


def test_behind_nginx_no_traversal_spelling_is_redirected(client, world, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected/"
    client.force_login(world["users"]["admin_b"])
    for spelling in traversal_spellings(world):
        response = client.get("/media/" + spelling)
        assert response.status_code in (400, 404), (spelling, response.status_code)
        assert "X-Accel-Redirect" not in response


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(f"/media/{world['held'].media_file.name}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def traversal_spellings(world) -> list[str]:
    """The reported spellings, then a generated family: each way of writing "..", each way of
    writing "/", from each starting folder a member of B may name, to each file of A."""
    a, b = world["a"].pk, world["b"].pk
    held, b_clip = world["held"].pk, world["b_clip"].pk
    reported = [
        f"clips/{b}/..%2f..%2freleases/a/a-1.0.0.tar.gz",
        f"clips/{b}/../{a}/{held}/video.mp4",
        f"clips/{b}/%2e%2e/{a}/{held}/video.mp4",
        f"clips/{b}/{b_clip}/../../{a}/{held}/poster.jpg",
        "releases/a/1.0.0/README.md",
    ]
    dots = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e", "...", "..%00", ".."]
    slashes = ["/", "%2f", "%2F", "%5c", "\\", "//", "/./", "%252f"]
    starts = [f"clips/{b}/", f"clips/{b}/{b_clip}/", f"clips/{b}/{b_clip}/video.mp4/", "clips/"]
    targets = [
        ("releases", "a", "a-1.0.0.tar.gz"),
        ("releases", "a", "1.0.0", "gold.jsonl"),
        ("clips", str(a), str(held), "video.mp4"),
    ]
    family = []
    for start, dot, slash, target in itertools.product(starts, dots, slashes, targets):
        depth = start.rstrip("/").count("/") + 1
        up = slash.join([dot] * depth) + slash
        family.append(start + up + slash.join(target))
    return reported + family


def test_no_traversal_spelling_reaches_another_projects_files(client, world):
    """A member of B tries every spelling; an admin of B too. Nothing of A comes back."""
    spellings = traversal_spellings(world)
    assert len(spellings) > 800
    for who in ("ann_b", "admin_b"):
        client.force_login(world["users"][who])
        for spelling in spellings:
            response = client.get("/media/" + spelling)
            assert response.status_code in (400, 404), (who, spelling, response.status_code)


def test_an_annotator_cannot_walk_from_a_held_clip_to_another(client, world):
    a, held, other = world["a"].pk, world["held"].pk, world["other"].pk
    client.force_login(world["users"]["ann_a"])
    for spelling in (
        f"clips/{a}/{held}/../{other}/video.mp4",
        f"clips/{a}/{held}/%2e%2e/{other}/video.mp4",
        f"clips/{a}/{other}/video.mp4",
        f"clips/{a}/{held}/../../../releases/a/a-1.0.0.tar.gz",
        f"clips/{a}/{held}/./video.mp4",
        f"clips/{a}//{held}/video.mp4",
        f"clips/{a}/{held}/VIDEO.mp4",
        f"clips/{a}/{held}/",
        f"clips/{a}/{held}",
    ):
        assert client.get("/media/" + spelling).status_code == 404, spelling


@pytest.mark.django_db(transaction=True)
def test_raw_paths_through_a_real_http_server(live_server, world, client):
    """The same spellings sent byte for byte (curl --path-as-is) to a live server."""
    client.force_login(world["users"]["ann_b"])
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    host, port = live_server.url.removeprefix("http://").split(":")
    tried = 0
    for spelling in traversal_spellings(world)[:120]:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.putrequest("GET", "/media/" + spelling, skip_accept_encoding=True)
        connection.putheader("Cookie", cookie)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        tried += 1
        assert response.status in (400, 404), (spelling, response.status)
        assert SECRET not in body
    own = quote(world["b_clip"].media_file.name)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", "/media/" + own, headers={"Cookie": cookie})
    assert connection.getresponse().status == 200  # the same session reaches its own clip
    assert tried == 120


def test_the_catalogue_lists_an_annotators_own_clips_only(client, world):
    held, other = world["held"].external_id, world["other"].external_id
    client.force_login(world["users"]["ann_a"])
    page = client.get("/projects/a/clips").content.decode()
    assert f'data-clip="{held}"' in page and f'data-clip="{other}"' not in page
    client.force_login(world["users"]["judge_a"])
    page = client.get("/projects/a/clips").content.decode()
    assert f'data-clip="{held}"' in page and f'data-clip="{other}"' in page
