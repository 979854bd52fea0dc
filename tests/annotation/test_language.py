"""English and Simplified Chinese: switched per user, remembered on their profile (so it
follows them to another device), applied to pages, the front end's catalogue and e-mail."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from annotation.models import UserProfile
from factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    return re.search(rb'<html lang="([^"]+)"', response.content).group(1).decode()


def test_anonymous_switch_uses_the_cookie(client):
    assert html_lang(client.get("/")) == "en"
    response = client.post("/language", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert html_lang(page) == "zh-hans"
    assert "<h1>EmoS 标注平台</h1>".encode() in page.content  # the signed-out landing
    assert "仲裁员".encode() in page.content and b"adjudicators" not in page.content


def test_a_users_choice_follows_them_to_another_device():
    user = get_user_model().objects.create_user("li", password="pw-test-123")
    laptop = Client()
    laptop.force_login(user)
    laptop.post("/language", {"language": "zh-hans", "next": "/"})
    assert UserProfile.objects.get(user=user).language == "zh-hans"

    phone = Client(HTTP_ACCEPT_LANGUAGE="en")  # a browser in English, no cookie
    assert html_lang(phone.get("/")) == "en"
    phone.post("/accounts/login/", {"username": "li", "password": "pw-test-123"})
    assert html_lang(phone.get("/")) == "zh-hans"

    phone.post("/language", {"language": "en", "next": "/"})
    assert html_lang(phone.get("/")) == "en"
    assert UserProfile.objects.get(user=user).language == "en"


def test_an_unknown_language_changes_nothing(client):
    user = get_user_model().objects.create_user("x")
    client.force_login(user)
    response = client.post("/language", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert not UserProfile.objects.filter(user=user).exists()
    assert html_lang(client.get("/")) == "en"


def test_api_errors_follow_the_users_language(client):
    project = ProjectFactory(slug="p")
    client.force_login(member(project, "annotator", "wang"))
    client.post("/language", {"language": "zh-hans", "next": "/"})
    body = client.get("/api/projects/p/disputes/").json()  # an annotator may not
    assert body["error"]["code"] == "forbidden"
    assert "this needs" not in body["error"]["message"]


def test_front_end_catalogue_is_the_same_gettext_catalogue(client):
    client.post("/language", {"language": "zh-hans", "next": "/"})
    script = client.get("/jsi18n/").content.decode()
    assert '"Submit"' in script  # a front-end msgid, translated in djangojs.po
    english = Client().get("/jsi18n/").content.decode()
    assert '"Submit"' not in english  # English needs no catalogue entries


def test_pages_load_the_catalogue_before_the_bundle(client):
    project = ProjectFactory(slug="p")
    client.force_login(member(project, "admin"))
    page = client.get("/projects/p/dashboard").content.decode()
    assert page.index('src="/jsi18n/"') < page.index('type="module"')
    assert "<project-dashboard" in page and 'data-language="en"' in page


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("admin", "dashboard", 200),
        ("annotator", "dashboard", 403),
        ("adjudicator", "adjudicate", 200),
        ("annotator", "adjudicate", 403),
        ("annotator", "work", 200),
    ],
)
def test_pages_by_role(client, role, path, status):
    project = ProjectFactory(slug="p")
    client.force_login(member(project, role))
    assert client.get(f"/projects/p/{path}").status_code == status


def test_password_reset_email_in_the_requesters_language(client):
    get_user_model().objects.create_user("zhao", email="zhao@example.org", password="x-123-y")
    client.post("/language", {"language": "zh-hans", "next": "/"})
    client.post("/accounts/password_reset/", {"email": "zhao@example.org"})
    (message,) = mail.outbox
    assert "EmoS" in message.subject and "Reset" not in message.subject
    assert "/accounts/reset/" in message.body and "zhao" in message.body
    assert "password" not in message.body.lower()


def test_error_pages_are_translated(client):
    project = ProjectFactory(slug="p")
    client.force_login(member(project, "annotator"))
    client.post("/language", {"language": "zh-hans", "next": "/"})
    forbidden = client.get("/projects/p/dashboard")
    assert forbidden.status_code == 403 and "不允许" in forbidden.content.decode()
    missing = client.get("/projects/nope/clips")
    assert missing.status_code == 404 and "未找到" in missing.content.decode()
