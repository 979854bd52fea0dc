"""Navigation by role: every home and menu shows each user what they can do in each project,
and nothing they are shown answers 403. A crawler follows every link from the home page, for
every kind of user, through the pages those links open."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from annotation.models import Membership
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db

NOT_CRAWLED = ("/admin/", "/api/")  # checked, not followed: Django's admin, downloads
MAX_PAGES = 80


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def crawl(client: Client) -> dict[str, int]:
    """Status of every same-site page reachable by links from the home page."""
    seen: dict[str, int] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if url.startswith(NOT_CRAWLED) or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            target = urlsplit(urljoin(url, href))
            if target.netloc not in ("", "testserver") or target.scheme not in ("", "http"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                queue.append(link)
    return seen


@pytest.fixture
def users():
    """Someone of every kind, in a project with work in it and an archived one."""
    project = ProjectFactory(slug="p", name="Pilot")
    archived = ProjectFactory(slug="old", name="Old", archived_at=timezone.now())
    other = ProjectFactory(slug="q", name="Elsewhere")
    ClipFactory(project=project)
    ClipFactory(project=project, stage=Clip.Stage.DISPUTED)
    people = {
        "annotator": member(project, "annotator"),
        "adjudicator": member(project, "adjudicator"),
        "admin": member(project, "admin"),
        "outsider": member(other, "annotator"),
        "staff": UserFactory(is_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "nobody": UserFactory(),
    }
    people["both"] = member(project, "annotator")
    Membership.objects.create(project=project, user=people["both"], role="adjudicator")
    people["inactive"] = member(project, "annotator")
    Membership.objects.filter(user=people["inactive"]).update(is_active=False)
    people["creator"] = member(project, "admin")
    people["creator"].user_permissions.add(Permission.objects.get(codename="add_project"))
    for user in (people["annotator"], people["admin"]):
        Membership.objects.create(project=archived, user=user, role=user.memberships.get().role)
    return people


WHAT_THEY_SEE = {
    # user: (links expected on their home, links that must not be there)
    "annotator": (["/projects/p/work"], ["/projects/p/adjudicate", "/projects/p/dashboard",
                                         "/projects/old/", "/projects/new"]),
    "adjudicator": (["/projects/p/adjudicate"], ["/projects/p/work", "/projects/p/people"]),
    "both": (["/projects/p/work", "/projects/p/adjudicate"], ["/projects/p/dashboard"]),
    "admin": (["/projects/p/dashboard", "/projects/p/people", "/projects/p/settings",
               "/projects/old/settings"], ["/projects/p/work", "/projects/new"]),
    "creator": (["/projects/new", "/projects/p/people"], []),
    "superuser": (["/projects/q/people", "/projects/new", "/admin/"], []),
    "staff": (["/admin/"], ["/projects/"]),
    "outsider": (["/projects/q/work"], ["/projects/p/"]),
    "inactive": ([], ["/projects/"]),
    "nobody": ([], ["/projects/"]),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(WHAT_THEY_SEE))
def test_each_home_shows_what_the_user_can_do_and_no_link_answers_403(kind, users):
    client = Client()
    client.force_login(users[kind])
    home = client.get("/").content.decode()
    shown, hidden = WHAT_THEY_SEE[kind]
    for link in shown:
        assert f'href="{link}' in home, link
    for link in hidden:
        assert f'href="{link}' not in home, link

    statuses = crawl(client)
    assert {"/", "/healthz"} <= set(statuses)
    refused = {url: status for url, status in statuses.items() if status in (401, 403, 404)}
    assert refused == {}
    assert all(status < 500 or url == "/healthz" for url, status in statuses.items())


def test_signed_out_the_home_links_nothing_refused():
    statuses = crawl(Client())
    assert "/accounts/login/" in statuses
    assert {url for url, status in statuses.items() if status in (401, 403, 404)} == set()


@pytest.mark.parametrize(
    ("kind", "reached"),
    [("admin", True), ("superuser", True), ("adjudicator", False), ("annotator", False)],
)
def test_clip_pages_are_linked_for_admins_only(kind, reached, users):
    """The clips browser's clip pages (admins') are crawled, and linked to nobody else."""
    client = Client()
    client.force_login(users[kind])
    clip_pages = [url for url in crawl(client) if url.startswith("/projects/p/clips/")]
    assert bool(clip_pages) is reached
